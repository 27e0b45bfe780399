import type { Marked } from '../process/system-scans.js';
import { SPAWN_WINDOW_TICKS, type SpawnIntent } from '../process/spawn-intent.js';
import { SCOPE_VARIABLE } from '../daemon/spawn-spec.js';
import type { Adoptee } from '../snapshot/adoptee.js';
import type { ProcessDriver } from '../process/driver.js';
import type { RestoreSkippedEvent, StrayEvent, Unstamped } from './events.js';

/** What stopping strays needs of the manager: the OS, and each act it asks for. */
export interface StrayPorts {
  readonly driver: ProcessDriver;
  /** The manager's option: `false` leaves the groups of dead leaders alone. */
  readonly killProcessGroup: boolean | undefined;
  readonly say: (event: Unstamped<RestoreSkippedEvent | StrayEvent>) => void;
  /** `id` is never started by this manager, and why: a process that may be its own runs, and cannot be told apart. */
  readonly hold: (id: string, why: string) => void;
  /** The intent of a spawn of `id` stays recorded. */
  readonly keep: (id: string, intent: SpawnIntent) => void;
  /** Stops a live process that is not to be kept, never respawning it. */
  readonly stop: (id: string, adoptee: Adoptee) => void;
}

/**
 * M8: the live processes of this data dir's scope (`marked`) that no
 * record holds. A session leader among them that no record holds
 * (`supervised`), and whose parent is not one of them, was started by a
 * manager killed before it could record it: it is stopped; a member whose
 * session leader is gone is what is left of a daemon that died while no
 * manager ran: its group is ended. A spawn whose process the scope scan
 * cannot see is found by its intent (see {@link stopUnrecordedSpawns}).
 */
export const stopStrays = (marked: readonly Marked[], supervised: ReadonlySet<number>, spawning: ReadonlyMap<string, SpawnIntent>, ports: StrayPorts): void => {
  const pids = new Set(marked.map(({ pid }) => pid));
  const orphaned = new Map<number, string>();
  for (const candidate of marked) {
    const id = candidate.also ?? '';
    if (candidate.pid !== candidate.session) {
      if (!pids.has(candidate.session)) orphaned.set(candidate.session, id);
      continue;
    }
    if (supervised.has(candidate.pid) || pids.has(candidate.ppid)) continue;
    ports.say({ type: 'stray', id, pid: candidate.pid });
    ports.stop(id, candidate);
  }
  for (const [session, id] of orphaned) {
    if (ports.killProcessGroup !== false && ports.driver.processes.endGroup({ pid: session, startTime: null })) ports.say({ type: 'stray', id, pid: session });
  }
  stopUnrecordedSpawns(spawning, new Set([...supervised, ...pids]), ports);
};

/**
 * M8: the processes of spawns whose manager was killed between the intent
 * and the record, where the scope scan cannot see them: a daemon that
 * overwrote its environment (nginx, PostgreSQL), or one whose environment
 * this user may not read. Each unresolved intent of this boot is looked
 * for (`ProcessDriver.findSpawned`): a session leader started right after
 * it, running its executable, that no record holds and the scope scan did
 * not find (`claimed`), is stopped as a stray. One whose executable cannot
 * be read is not guessed about either way: it is reported, and its id is
 * held, as a recorded process that cannot be told apart holds it (never
 * started while a copy may run: for a daemon that binds a port, a second
 * copy only crash-loops while the first serves unsupervised), and the
 * intent is kept, so a manager started while that process still runs
 * holds the id too, and one started once it is gone does not.
 */
const stopUnrecordedSpawns = (spawning: ReadonlyMap<string, SpawnIntent>, claimed: Set<number>, ports: StrayPorts): void => {
  const { driver } = ports;
  // Ticks since boot mean nothing in another boot, whose processes are all gone. Latest first:
  // a process is the spawn of the last intent before it started (a failed spawn's intent may precede it).
  const intents = [...spawning].filter(([, intent]) => intent.boot === driver.system.bootId()).sort(([, a], [, b]) => b.at - a.at);
  if (intents.length === 0) return;
  const found = driver.system.findSpawned(
    intents.map(([, intent]) => intent),
    SPAWN_WINDOW_TICKS,
    SCOPE_VARIABLE,
  );
  intents.forEach(([id, intent], index) => {
    for (const spawned of found[index] ?? []) {
      if (claimed.has(spawned.pid)) continue;
      claimed.add(spawned.pid);
      if (spawned.executable === 'same') {
        ports.say({ type: 'stray', id, pid: spawned.pid });
        ports.stop(id, spawned);
        continue;
      }
      const after = `${((Number(spawned.startTime) - intent.at) / 100).toFixed(2)} s after a spawn of ${intent.command} that a killed manager never recorded`;
      const message = `process ${spawned.pid}, started ${after}, may be that spawn's: its executable, which would tell, cannot be read (a process that is not dumpable hides it from a user other than root)`;
      ports.say({ type: 'restore-skipped', id, code: 'EHIDDEN', message });
      ports.hold(id, `${message}; stop it if it is ${id}'s: once it is gone, a manager started anew starts ${id}`);
      ports.keep(id, intent);
    }
  });
};
