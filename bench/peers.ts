// The other supervisors in the bench, when they are installed: supervisord
// and s6, each started as its own process tree under a mark (marked.ts) of
// its own, so that its whole tree is measured and every process of it ends,
// even after a failure. A peer that is not installed is skipped, with a
// note that says how to install it. Sections P1 and P3 give their rows.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executablesOf } from '../lib/process/program.js';
import { alive, commOf, mark, pssKb, type Mark } from './marked.js';
import { note, now, sleep } from './measure.js';
import { s6 } from './s6.js';
import { supervisord } from './supervisord.js';

/** A supervisor the bench compares rxdaemon with. */
export interface Peer {
  readonly name: string;
  /** Its executable, looked up on the PATH: without it the peer is skipped. */
  readonly program: string;
  /** How to install it (Debian). */
  readonly install: string;
  /** Writes into `dir` the configuration of `services` (id → command line, each restarted whenever it exits); the command line of the supervisor that runs it. */
  configure(dir: string, services: Readonly<Record<string, readonly string[]>>): readonly string[];
  /** A text that says, a line each, when service `id` has exited so far (other lines may come between); '' before there is one. */
  exitLog(dir: string, id: string): string;
  /** When the exit a line of that text tells of happened, in ms (one clock, any origin); undefined for another line. */
  exitAt(line: string, id: string): number | undefined;
}

/** When service `id` has exited so far, oldest first. */
const exits = (peer: Peer, dir: string, id: string): number[] =>
  peer
    .exitLog(dir, id)
    .split('\n')
    .flatMap((line) => peer.exitAt(line, id) ?? []);

let installed: readonly Peer[] | undefined;

/** The peers installed here; each missing one is noted, once a run, with how to install it. */
export const installedPeers = (): readonly Peer[] =>
  (installed ??= [supervisord, s6].filter((peer) => {
    const found = executablesOf({ command: peer.program, cwd: process.cwd(), ...(process.env.PATH === undefined ? {} : { path: process.env.PATH }) }).length > 0;
    if (!found) note(`${peer.name} is not installed, so its rows are skipped (${peer.install}).`);
    return found;
  }));

/** Looks every `everyMs` until `condition` holds; fails once `ms` have passed. */
const waitFor = async (what: string, ms: number, everyMs: number, condition: () => boolean): Promise<void> => {
  const deadline = now() + ms;
  while (!condition()) {
    if (now() > deadline) throw new Error(`bench: waited ${ms} ms for ${what}`);
    await sleep(everyMs);
  }
};

interface Tree {
  readonly run: Mark;
  readonly dir: string;
  readonly supervisor: ChildProcess;
}

/** `peer` run on `services`, handed to `use`; every process of it is killed at the end, whatever happened. */
const running = async <T>(peer: Peer, services: Readonly<Record<string, readonly string[]>>, use: (tree: Tree) => Promise<T>): Promise<T> => {
  const run = mark();
  const dir = mkdtempSync(join(tmpdir(), `rxdaemon-bench-${peer.name}-`));
  try {
    const [command = '', ...args] = peer.configure(dir, services);
    const supervisor = spawn(command, args, { env: run.env, stdio: 'ignore', detached: true });
    await new Promise((resolve, reject) => {
      supervisor.once('spawn', resolve);
      supervisor.once('error', reject);
    });
    return await use({ run, dir, supervisor });
  } finally {
    run.killAll();
    rmSync(dir, { recursive: true, force: true });
  }
};

/** P1: ms per restart cycle of a /bin/true service, over `cycles` cycles. */
export const peerRestartCycle = (peer: Peer, cycles: number): Promise<number> =>
  running(peer, { t: ['/bin/true'] }, async ({ dir }) => {
    let times: number[] = [];
    // The peers restart at most once a second: three seconds a cycle is a hang.
    await waitFor(`${cycles + 1} exits of /bin/true under ${peer.name}`, (cycles + 5) * 3_000, 100, () => (times = exits(peer, dir, 't')).length > cycles);
    return ((times[cycles] ?? NaN) - (times[0] ?? NaN)) / cycles;
  });

/** The supervisor's side of a tree once `count` services run: KB of PSS of every process but the `sleep`s, and those. */
const settled = async (run: Mark, count: number): Promise<{ readonly kb: number; readonly sleeps: readonly number[] }> => {
  const sleepsOf = (pids: readonly number[]) => pids.filter((pid) => commOf(pid) === 'sleep');
  await waitFor(`${count} sleep processes`, 30_000 + count * 100, 50, () => sleepsOf(run.pids()).length === count);
  // Past the supervisor's own start-up, and its bookkeeping of the last spawns.
  await sleep(1_500);
  const pids = run.pids();
  const sleeps = sleepsOf(pids);
  return { kb: pids.filter((pid) => !sleeps.includes(pid)).reduce((sum, pid) => sum + pssKb(pid), 0), sleeps };
};

/**
 * P3: the memory of the peer's whole tree (every process but the
 * supervised ones), as PSS (a page shared by several processes counts once,
 * in shares), per supervised `sleep`, beyond the same supervisor with
 * nothing to supervise; and ms from
 * a SIGTERM to the supervisor until every one of the `count` has exited.
 */
export const peerFleet = async (peer: Peer, count: number): Promise<{ readonly kbEach: number; readonly stopMs: number }> => {
  const emptyKb = await running(peer, {}, async ({ run }) => (await settled(run, 0)).kb);
  const services = Object.fromEntries(Array.from({ length: count }, (_, i) => [`sleep-${i}`, ['sleep', '1000']]));
  return running(peer, services, async ({ run, supervisor }) => {
    const { kb, sleeps } = await settled(run, count);
    const start = now();
    supervisor.kill('SIGTERM');
    await waitFor(`the ${count} under ${peer.name} to stop`, 60_000, 10, () => !sleeps.some(alive));
    return { kbEach: (kb - emptyKb) / count, stopMs: now() - start };
  });
};
