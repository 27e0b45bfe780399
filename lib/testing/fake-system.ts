import type { SchedulerLike } from 'rxjs';
import type { ProcessIdentity } from '../process/identity.js';
import { nprocAdvice, type Headroom } from '../process/limits.js';
import type { SpawnIntent } from '../process/spawn-intent.js';
import type { SpawnSpec } from '../process/spawn-spec.js';
import type { Marked, Spawned, SystemScans } from '../process/system-scans.js';
import { checkNonNegativeInteger } from '../validate.js';
import { FakeClock } from './fake-clock.js';
import type { FakeProcess } from './fake-process.js';
import type { FakeProcesses } from './fake-processes.js';

/** Options of {@link FakeSystem}. */
export interface FakeSystemOptions {
  /** The processes its scans see. Default: none. */
  readonly processes?: FakeProcesses;
  /** Its clock. Default: that of `processes` when given, else a {@link FakeClock} of its own. */
  readonly clock?: FakeClock;
  /** The boot id it reports. Default `fake-boot`. */
  readonly bootId?: string | null;
  /** How many live processes there can be at once, as RLIMIT_NPROC would allow; `headroom` says so past it. Default: no limit. */
  readonly processLimit?: number;
}

/**
 * The system seam of `FakeDriver`, usable alone
 * (`driver: { system: new FakeSystem({ processLimit: 2 }) }`): its scans
 * answer from the fake processes it is given, as the real ones answer
 * from /proc. A fake tick is a virtual millisecond since virtual time 0,
 * the fake's boot: the start time of a fake process is the virtual time it
 * was spawned or added at, so intents, start times and `startedAt` share
 * one unit.
 *
 * @example
 * // Room for one process only: a manager's second service waits, with a `limit-reached` event.
 * const processes = new FakeProcesses();
 * const driver = { processes, system: new FakeSystem({ processes, processLimit: 1 }) };
 */
export class FakeSystem implements SystemScans {
  readonly #processes: ReadonlyMap<number, FakeProcess>;
  readonly #clock: FakeClock;
  readonly #boot: string | null;
  readonly #processLimit: number | undefined;

  constructor(options: FakeSystemOptions = {}) {
    this.#processes = options.processes ?? new Map();
    this.#clock = options.clock ?? options.processes?.clock ?? new FakeClock({ name: 'FakeSystem' });
    this.#boot = options.bootId === undefined ? 'fake-boot' : options.bootId;
    this.#processLimit = options.processLimit === undefined ? undefined : checkNonNegativeInteger('processLimit', options.processLimit);
  }

  /** Takes the pipeline's scheduler as the clock, or refuses it (see {@link FakeClock.use}). */
  useScheduler(scheduler: SchedulerLike): void {
    this.#clock.use(scheduler);
  }

  findMarked(name: string, value: string, alsoRead: string): Marked[] {
    return this.#live()
      .filter((fake) => fake.env[name] === value)
      .map(({ pid, startTime, ppid, session, env }) => ({ pid, startTime, ppid, session, also: env[alsoRead] }));
  }

  /** The intent of a spawn now. The fake has no cwd or PATH: its executables are commands as given. */
  spawnIntent(spec: Pick<SpawnSpec, 'command'>): SpawnIntent {
    return { command: spec.command, at: this.#clock.now(), boot: this.#boot };
  }

  /** Answered from the live processes, as the real scan answers from /proc (the fake's exe of a spawn is its command). */
  findSpawned(intents: readonly SpawnIntent[], within: number, unlessMarked: string): Spawned[][] {
    return intents.map((intent) =>
      this.#live()
        .filter(({ pid, session, foreign, env, startTime, executable }) => {
          const started = Number(startTime);
          const inWindow = started >= intent.at && started <= intent.at + within;
          return session === pid && inWindow && !foreign && !(unlessMarked in env) && (executable === null || executable === intent.command);
        })
        .map(({ pid, startTime, executable }): Spawned => ({ pid, startTime, executable: executable === null ? 'unreadable' : 'same' })),
    );
  }

  /** The start is where `now`'s clock stood as long ago as the process started before the fake's now. */
  startedAt(target: ProcessIdentity, now: number): number | null {
    // A reused pid's newcomer has a start time that is no tick count.
    if (target.startTime === null || !/^\d+$/.test(target.startTime)) return null;
    return now - (this.#clock.now() - Number(target.startTime));
  }

  /** Past `processLimit` live processes, the limit as RLIMIT_NPROC (no room is kept in reserve). */
  headroom(wanted: number): Headroom | undefined {
    if (this.#processLimit === undefined) return undefined;
    const inUse = this.#live().length;
    const more = Math.max(0, this.#processLimit - inUse);
    return more < wanted ? { more, limit: 'RLIMIT_NPROC', value: this.#processLimit, inUse, raise: nprocAdvice(inUse + wanted) } : undefined;
  }

  bootId(): string | null {
    return this.#boot;
  }

  #live(): FakeProcess[] {
    return [...this.#processes.values()].filter((fake) => fake.alive);
  }
}
