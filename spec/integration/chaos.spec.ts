import { renameSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { useBundle } from '../helpers/bundle.js';
import { cliRuns, killed, nodeProgram, type Cli } from '../helpers/cli.js';
import { CHILD, isAlive } from '../helpers/real-processes.js';
import { ownScope, printedEvents, recordedPids, scopeProcesses, settled } from '../helpers/scope.js';

// The chaos spec of DESIGN M8 and issue 8: a manager over a data dir with a
// few services — one crash-looping, one that ignores SIGINT (its stop lasts
// the whole grace period) — and config changes applied while it runs
// (replaces, removals, additions), SIGKILLed at a random moment 0–1.5 s
// after it was started, so that kills land in its restore, its spawns, its
// restarts, its replaces and its stops. After each kill a new manager must
// settle with exactly one live process per desired id, running the
// desired command, no process of the scope it does not supervise, and none
// of an id no longer desired; and every process a killed manager had
// reported and not seen exit is in its records on disk (snapshot.json and
// the journal, read by the spec itself). Every random choice comes from one seeded
// PRNG: CHAOS_SEED=<seed> replays the choices of a failed run (timings stay
// real). CHAOS_ROUNDS overrides the number of rounds.

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 30);
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 32));
const GRACE_MS = 300;
const MAX_KILL_DELAY_MS = 1_500;

/** mulberry32: a small, well-mixed 32-bit PRNG; the same seed, the same choices. */
const prng = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
};

/**
 * The services: `steady` ends at SIGINT; `stubborn` ignores it (stopped by
 * SIGKILL after the grace period); `crash` exits after 0.5 s and is
 * restarted (Consul backoff, 50 ms unit); `extra` comes and goes. Each
 * carries its generation in GEN, bumped by a replace.
 */
const SERVICES: Record<string, readonly string[]> = {
  steady: [],
  stubborn: ['--on-sigint', 'ignore'],
  crash: ['--exit-after', '500'],
  extra: [],
};
// `steady` and `crash` are always desired; these come and go.
const OPTIONAL = ['stubborn', 'extra'];

class Desired {
  readonly generation = new Map(Object.keys(SERVICES).map((id) => [id, 0]));
  readonly present = new Set(Object.keys(SERVICES));

  ids(): string[] {
    return [...this.present].sort();
  }

  commands(): Record<string, unknown> {
    return Object.fromEntries(
      this.ids().map((id) => [id, { command: process.execPath, args: [CHILD, ...(SERVICES[id] ?? [])], env: { GEN: String(this.generation.get(id)) } }]),
    );
  }

  /** One change, as a user's edit would make it: a replace, or a service removed or added. */
  change(random: () => number): string {
    if (random() < 0.5) {
      const ids = this.ids();
      const id = ids[Math.floor(random() * ids.length)] ?? 'steady';
      this.generation.set(id, (this.generation.get(id) ?? 0) + 1);
      return `replace ${id}`;
    }
    const id = OPTIONAL[Math.floor(random() * OPTIONAL.length)] ?? 'extra';
    if (this.present.delete(id)) return `remove ${id}`;
    this.present.add(id);
    return `add ${id}`;
  }
}

const programs = useBundle();

const { sandbox, own } = cliRuns({
  sweep: (sandbox) => {
    ownScope(sandbox, sandbox.path('data'));
  },
});

const data = (): string => sandbox().path('data');
const desiredFile = (): string => sandbox().path('desired.json');

const manager = (): Cli => own(nodeProgram([programs.manager, data(), desiredFile(), String(GRACE_MS)], sandbox().dir));

/** Written whole, then renamed: a manager reading it at any moment reads one version or the other. */
const save = (desired: Desired): void => {
  writeFileSync(`${desiredFile()}.new`, JSON.stringify(desired.commands()));
  renameSync(`${desiredFile()}.new`, desiredFile());
};

// Fixed times by design: they are the experiment (when to change, when to kill), not a wait for anything to happen or not.
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * What the manager was doing when it was killed at `killedAt`, as far as
 * its printed events tell: starting up, within 20 ms of a spawn, in a
 * stop's grace period, waiting out a backoff.
 */
const phasesAtKill = (events: readonly ManagerEvent[], killedAt: number): string[] => {
  if (!events.some((event) => event.type === 'restored')) return ['before restore'];
  const stopping = new Set<number>();
  const last = new Map<string, ManagerEvent>();
  for (const event of events) {
    if (event.type === 'stopping') stopping.add(event.pid);
    if (event.type === 'exited') stopping.delete(event.pid);
    if ('id' in event) last.set(event.id, event);
  }
  const phases = [
    ...(events.some((event) => event.type === 'started' && killedAt - event.at < 20) ? ['within 20 ms of a spawn'] : []),
    ...(stopping.size > 0 ? ['during a stop'] : []),
    ...([...last.values()].some((event) => event.type === 'backoff') ? ['during a backoff'] : []),
    ...(events.some((event) => event.type === 'reconcile' && event.replaced.length + event.stopped.length + event.started.length > 0 && killedAt - event.at < 300)
      ? ['within 300 ms of a reconcile that changed something']
      : []),
  ];
  return phases.length === 0 ? ['while running'] : phases;
};

/**
 * M8, read off the files: every process the killed manager reported
 * `started` or `adopted` (other than a stray it was stopping), whose exit it
 * had not reported and which still runs, is in the records under its id.
 * A manager records before it reports, so any such process missing from
 * them is a lost record.
 */
const unrecorded = (victim: readonly ManagerEvent[], records: ReadonlyMap<string, number>): string[] => {
  const strays = new Set(victim.flatMap((event) => (event.type === 'stray' ? [event.pid] : [])));
  const live = new Map<number, string>();
  for (const event of victim) {
    if ((event.type === 'started' || event.type === 'adopted') && !strays.has(event.pid)) live.set(event.pid, event.id);
    else if (event.type === 'exited') live.delete(event.pid);
  }
  return [...live]
    .filter(([pid, id]) => records.get(id) !== pid && isAlive(pid))
    .map(([pid, id]) => `${id} pid ${pid} (records: ${JSON.stringify(Object.fromEntries(records))})`);
};

/**
 * The records read back: a process the records hold is the checker's to
 * adopt (or stop) through them, never to find as a stray, unless it died
 * between the checker's scan and its restore (its record skipped).
 */
const misread = (checker: readonly ManagerEvent[], records: ReadonlyMap<string, number>): string[] =>
  checker.flatMap((event) =>
    event.type === 'stray' && records.get(event.id) === event.pid && !checker.some((seen) => seen.type === 'restore-skipped' && seen.id === event.id)
      ? [`${event.id} pid ${event.pid} is recorded, yet found a stray`]
      : [],
  );

/** What a checker said about each stray it found: what the killed manager had printed about its pid, and whether the checker had just skipped its record. */
const straysOf = (checker: readonly ManagerEvent[], victim: readonly ManagerEvent[]): string[] =>
  checker.flatMap((event) => {
    if (event.type !== 'stray') return [];
    const about = victim.filter((seen) => 'pid' in seen && seen.pid === event.pid).map((seen) => seen.type);
    const skipped = checker.flatMap((seen) => (seen.type === 'restore-skipped' && seen.id === event.id ? [`; its record skipped: ${seen.code} ${seen.message}`] : []));
    return [`stray ${event.id} pid ${event.pid} (the killed manager printed: ${about.join(' ') || 'nothing about it'}${skipped.join('')})`];
  });

/** Which live processes do not run their id's desired generation (a replace not yet done), if any. */
const staleGenerations = (desired: Desired): string | undefined => {
  const stale = scopeProcesses(data())
    .filter(({ id, env }) => id !== undefined && env.get('GEN') !== String(desired.generation.get(id)))
    .map(({ id, pid, env }) => `${id ?? '?'} pid ${pid} GEN ${env.get('GEN') ?? '?'}`);
  return stale.length === 0 ? undefined : `not yet replaced: ${stale.join(', ')}`;
};

describe('M8 chaos: a manager SIGKILLed at random moments', () => {
  it(`ends every time with exactly one supervised process per desired id (${ROUNDS} rounds)`, async () => {
    const random = prng(SEED);
    const desired = new Desired();
    save(desired);
    const phases = new Map<string, number>();
    const found = { strays: [] as string[], adopted: 0, skipped: 0, changes: 0 };
    const history: string[] = [];
    const fail = (round: number, error: unknown): never => {
      throw new Error(
        `chaos failed (CHAOS_SEED=${SEED}, round ${round}): ${error instanceof Error ? error.message : String(error)}\n${history.slice(-12).join('\n')}`,
      );
    };
    for (let round = 1; round <= ROUNDS; round++) {
      const killAt = random() * MAX_KILL_DELAY_MS;
      const changeTimes = Array.from({ length: Math.floor(random() * 3) }, () => random() * killAt).sort((a, b) => a - b);
      const startedAt = Date.now();
      const victim = manager();
      const applied: string[] = [];
      for (const at of changeTimes) {
        await delay(startedAt + at - Date.now());
        applied.push(desired.change(random));
        save(desired);
        // A SIGHUP before the manager listens for it would end it by its default action: the file alone then says it.
        if (printedEvents(victim.stdout).length > 0) victim.process.kill('SIGHUP');
      }
      await delay(startedAt + killAt - Date.now());
      const killedAt = Date.now();
      await killed(victim);
      const victimEvents = printedEvents(victim.stdout);
      const phase = phasesAtKill(victimEvents, killedAt);
      for (const name of phase) phases.set(name, (phases.get(name) ?? 0) + 1);
      found.changes += applied.length;
      history.push(`round ${round}: killed ${Math.round(killAt)} ms after start (${phase.join(', ')}); changes: ${applied.join(', ') || 'none'}; desired: ${desired.ids().join(' ')}`);
      const lost = unrecorded(victimEvents, recordedPids(data()));
      if (lost.length > 0) fail(round, `records lost: ${lost.join('; ')}\nthe killed manager printed:\n${victim.stdout.slice(-4000)}`);

      const records = recordedPids(data());
      const checker = manager();
      try {
        await settled(data(), () => checker.stdout, desired.ids(), () => staleGenerations(desired));
      } catch (error) {
        fail(round, `${error instanceof Error ? error.message : String(error)}; checker stderr: ${checker.stderr.slice(-300)}`);
      }
      const events = printedEvents(checker.stdout);
      const wrong = misread(events, records);
      if (wrong.length > 0) fail(round, `records misread: ${wrong.join('; ')}`);
      found.strays.push(...straysOf(events, victimEvents).map((stray) => `round ${round}: ${stray}`));
      found.skipped += events.filter((event) => event.type === 'restore-skipped').length;
      found.adopted += events.flatMap((event) => (event.type === 'restored' ? event.adopted : [])).length;
      // Settled, its state is the next round's to restore: killed too, a kill at a quiet moment.
      await killed(checker);
      const lostByChecker = unrecorded(printedEvents(checker.stdout), recordedPids(data()));
      if (lostByChecker.length > 0) fail(round, `records lost by the checker: ${lostByChecker.join('; ')}`);
    }

    const last = manager();
    await settled(data(), () => last.stdout, desired.ids());
    last.process.kill('SIGINT');
    expect(await last.exited).toBe(0);
    expect(scopeProcesses(data())).toEqual([]);
    console.log(
      `chaos seed ${SEED}: ${ROUNDS} kills, ${found.changes} config changes; kills landed ${JSON.stringify(Object.fromEntries(phases))}; ` +
        `checkers adopted ${found.adopted} processes, skipped ${found.skipped} dead records, stopped ${found.strays.length} strays${found.strays.map((stray) => `\n  ${stray}`).join('')}`,
    );
  }, 120_000);
});
