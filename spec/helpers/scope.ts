import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { waitFor, type Sandbox } from './real-processes.js';

/** A live session leader carrying a data dir's scope, the id it carries, and its whole environment. */
export interface ScopeProcess {
  readonly pid: number;
  readonly id: string | undefined;
  readonly env: ReadonlyMap<string, string>;
}

/**
 * The `RXDAEMON_SCOPE` of a data dir, computed here as DESIGN M8 and
 * open-data-dir.ts's `scopeOf` say (the first 16 hex digits of the SHA-256
 * of its real path), not imported: a spec that used the manager's own
 * function would count with the manager's mistakes.
 */
export const scopeOfDir = (dataDir: string): string => createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 16);

const variables = (pid: string): Map<string, string> | undefined => {
  try {
    const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  } catch {
    return undefined;
  }
};

/** The state and session of a pid from /proc/<pid>/stat, or undefined once it is gone. */
const statOf = (pid: string): { state: string; session: number } | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // After the name's last ')': state ppid pgrp session …
    const [state = '', , , session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, session: Number(session) };
  } catch {
    return undefined;
  }
};

interface Marked extends ScopeProcess {
  readonly session: number;
}

/** Every live (not zombie) process whose environment carries the scope of `dataDir`. */
const marked = (dataDir: string): Marked[] => {
  const scope = scopeOfDir(dataDir);
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      const env = variables(entry);
      if (env?.get('RXDAEMON_SCOPE') !== scope) return [];
      const stat = statOf(entry);
      if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return [];
      return [{ pid: Number(entry), id: env.get('RXDAEMON_ID'), env, session: stat.session }];
    });
};

/**
 * Every live (not zombie) session leader whose environment carries the
 * scope of `dataDir`: what a manager of that data dir started and nobody
 * has ended yet, supervised or not.
 */
export const scopeProcesses = (dataDir: string): ScopeProcess[] =>
  marked(dataDir)
    .filter(({ pid, session }) => pid === session)
    .map(({ pid, id, env }) => ({ pid, id, env }));

/** Makes every process of {@link scopeProcesses} the sandbox's to kill at its cleanup: whatever a failed test left in the scope is ended too. */
export const ownScope = (sandbox: Sandbox, dataDir: string): void => {
  if (existsSync(dataDir)) for (const { pid } of scopeProcesses(dataDir)) sandbox.own(pid);
};

/**
 * The processes of the scope left behind by a session leader that is
 * gone: descendants (a worker, a grandchild) in a session whose leader no
 * longer runs. Nobody supervises them; S5 ends them with their leader.
 */
export const scopeOrphans = (dataDir: string): number[] => {
  const all = marked(dataDir);
  const leaders = new Set(all.filter(({ pid, session }) => pid === session).map(({ pid }) => pid));
  return all.filter(({ pid, session }) => pid !== session && !leaders.has(session)).map(({ pid }) => pid);
};

/** {@link scopeProcesses} as id → pids, sorted, for assertions that read well when they fail. */
export const scopeProcessesById = (dataDir: string): Record<string, number[]> => {
  const byId: Record<string, number[]> = {};
  for (const { pid, id = '(no id)' } of scopeProcesses(dataDir)) (byId[id] ??= []).push(pid);
  for (const pids of Object.values(byId)) pids.sort((a, b) => a - b);
  return byId;
};

/**
 * The pids a manager says it supervises now: each it reported `started` or
 * `adopted`, and not yet `exited`; `kept`, those of them it keeps running:
 * neither a stray nor being stopped.
 */
export const supervisedPids = (events: readonly ManagerEvent[]): { readonly all: Set<number>; readonly kept: Set<number> } => {
  const all = new Set<number>();
  const kept = new Set<number>();
  const strays = new Set<number>();
  for (const event of events) {
    if (event.type === 'stray') strays.add(event.pid);
    else if (event.type === 'started' || event.type === 'adopted') {
      all.add(event.pid);
      if (!strays.has(event.pid)) kept.add(event.pid);
    } else if (event.type === 'stopping') kept.delete(event.pid);
    else if (event.type === 'exited') {
      all.delete(event.pid);
      kept.delete(event.pid);
    }
  }
  return { all, kept };
};

/**
 * What is wrong with a data dir's processes against what its manager
 * reports and what is desired, or undefined when nothing is (M8): exactly
 * one live process per desired id, one the manager keeps (not a stray or a
 * replaced process on its way out); no other id; every session leader of
 * the scope one the manager supervises; and no process of the scope left
 * behind by a leader that is gone (S5).
 */
export const scopeProblem = (dataDir: string, events: readonly ManagerEvent[], desired: readonly string[]): string | undefined => {
  const byId = scopeProcessesById(dataDir);
  const { all, kept } = supervisedPids(events);
  const problems = [
    ...desired.filter((id) => byId[id]?.length !== 1).map((id) => `${id}: ${byId[id]?.length ?? 0} processes`),
    ...desired.flatMap((id) => byId[id] ?? []).filter((pid) => all.has(pid) && !kept.has(pid)).map((pid) => `pid ${pid}: being stopped`),
    ...Object.keys(byId).filter((id) => !desired.includes(id)).map((id) => `${id}: not desired, still running`),
    ...Object.values(byId).flat().filter((pid) => !all.has(pid)).map((pid) => `pid ${pid}: not supervised`),
    ...scopeOrphans(dataDir).map((pid) => `pid ${pid}: left behind by its session leader`),
  ];
  return problems.length === 0 ? undefined : `${problems.join('; ')} (processes: ${JSON.stringify(byId)}, supervised: ${JSON.stringify([...all])})`;
};

/** The events a program printed with `--json` so far, whole lines only (a chunk may end mid-line). */
export const printedEvents = (stdout: string): ManagerEvent[] =>
  stdout
    .slice(0, stdout.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as ManagerEvent);

/**
 * Waits until the manager printing `stdout()` has restored and the data
 * dir's processes are exactly what it should run ({@link scopeProblem}),
 * and `also` finds nothing wrong either; fails after `deadlineMs` saying
 * what was still wrong.
 */
export const settled = async (
  dataDir: string,
  stdout: () => string,
  desired: readonly string[],
  also: () => string | undefined = () => undefined,
  deadlineMs = 10_000,
): Promise<void> => {
  let problem: string | undefined;
  await waitFor(
    () => `the data dir to settle: ${problem ?? ''}`,
    () => {
      const events = printedEvents(stdout());
      problem = events.some((event) => event.type === 'restored') ? (scopeProblem(dataDir, events, desired) ?? also()) : 'no `restored` event yet';
      return problem === undefined;
    },
    deadlineMs,
  );
};

/**
 * Each id's recorded pid, as a starting manager reads a data dir (M8):
 * snapshot.json, then every journal line after its `seq`, in order; a torn
 * last line is ignored, and so are intents. Read here rather than with records.ts, so a spec
 * checks the files, not the reader.
 */
export const recordedPids = (dataDir: string): Map<string, number> => {
  const read = (name: string): string => {
    try {
      return readFileSync(join(dataDir, name), 'utf8');
    } catch {
      return '';
    }
  };
  const snapshot = JSON.parse(read('snapshot.json') || '{"daemons":{}}') as { seq?: number; daemons: Record<string, { pid: number }> };
  const pids = new Map(Object.entries(snapshot.daemons).map(([id, entry]) => [id, entry.pid]));
  for (const line of read('journal').split('\n')) {
    let entry: { seq: number; id: string; snapshot?: { pid: number } | null };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    // An intent line (`spawning`, written before a spawn) records no process.
    if (entry.seq <= (snapshot.seq ?? 0) || entry.snapshot === undefined) continue;
    if (entry.snapshot === null) pids.delete(entry.id);
    else pids.set(entry.id, entry.snapshot.pid);
  }
  return pids;
};
