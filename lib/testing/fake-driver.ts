import type { SchedulerLike } from 'rxjs';
import type { Check } from '../checks/check.js';
import type { ProcessDriver } from '../process/driver.js';
import type { ExitStatus } from '../process/processes.js';
import type { SpawnSpec } from '../process/spawn-spec.js';
import { FakeClock } from './fake-clock.js';
import { FakeFiles } from './fake-files.js';
import { noCgroups, type Cgroups } from '../process/cgroups.js';
import type { AddedProcess, FakeProcess, FakeSignal } from './fake-process.js';
import { FakeProcesses, type FakeProcessesOptions } from './fake-processes.js';
import { FakeSystem, type FakeSystemOptions } from './fake-system.js';
import type { Script } from './script.js';

/** Options of {@link FakeDriver}: those of its processes and of its system, and the scheduler of both. */
export interface FakeDriverOptions extends Pick<FakeProcessesOptions, 'idVariable' | 'ownPid' | 'firstPid'>, Pick<FakeSystemOptions, 'bootId' | 'processLimit'> {
  /**
   * The clock of every fake process. Default: the scheduler of the first
   * daemon or manager whose options name this driver (`asyncScheduler`
   * when they name none, or when the driver is used before any, e.g. by
   * {@link FakeDriver.addProcess}). Once it has one, a daemon or manager
   * with another is refused with a TypeError: a fake on another clock would
   * never end its processes in the daemon's time.
   */
  readonly scheduler?: SchedulerLike;
}

/**
 * A {@link ProcessDriver} whose three seams are fakes on one clock:
 * {@link FakeProcesses} (scripted in virtual time: they exit after a given
 * time with a code or a signal, ignore SIGINT, or fail to spawn),
 * {@link FakeSystem} (its scans see those processes) and {@link FakeFiles}
 * (in memory). It records every spawn and every signal, so a marble test
 * can assert exactly what the supervisor did and when. A test that needs
 * only one seam can take that part alone.
 *
 * Its {@link Script} says how each spawn behaves: one script for all, a
 * function of the spawn's index (1-based, counted across every daemon the
 * driver serves), or one script per id. It runs on the scheduler of the
 * daemon or manager that uses it unless it was given one; `testKit()`
 * makes both at once.
 *
 * A script also says when its process is ready (`readyAfterMs` from the
 * spawn) and when it turns unhealthy (`unhealthyAfterMs` from then), and
 * {@link FakeDriver.check} tells, as a {@link Check} for `ready` and
 * `health` alike: so a test scripts readiness and health per spawn.
 *
 * @example
 * // Ready 300 ms after its spawn, unhealthy 5 s later: two health attempts 1 s apart fail, at 5.3 and 6.3 s.
 * const { scheduler, driver, options } = testKit({ readyAfterMs: 300, unhealthyAfterMs: 5_000 });
 * scheduler.run(({ expectObservable }) => {
 *   const checked$ = supervise({ command: 'x' }, {
 *     ...options,
 *     ready: { check: driver.check },
 *     health: { check: driver.check, intervalMs: 1_000, failures: 2 },
 *   }).pipe(filter((e) => e.type === 'ready' || e.type === 'unhealthy'), map((e) => e.type), take(2));
 *   expectObservable(checked$).toBe('300ms r 5999ms (u|)', { r: 'ready', u: 'unhealthy' });
 * });
 *
 * @example
 * new TestScheduler(assert.deepStrictEqual).run(({ expectObservable }) => {
 *   const driver = new FakeDriver({ exitAfterMs: 0, exitCode: 1 });
 *   const spawns$ = supervise({ command: 'x' }, { driver }).pipe(
 *     filter((e) => e.type === 'spawning'), map((e) => e.attempt), take(4));
 *   expectObservable(spawns$).toBe('(abc) 1995ms (d|)', { a: 1, b: 2, c: 3, d: 4 });
 * });
 */
export class FakeDriver implements ProcessDriver {
  /** Every fake process, by pid; spawns them, signals them, and records both. */
  readonly processes: FakeProcesses;
  /** Scans of {@link processes}. */
  readonly system: FakeSystem;
  /** The files written, by path. */
  readonly files: FakeFiles;
  /** No cgroups: a manager of fakes contains its services in process groups. */
  readonly cgroups: Cgroups = noCgroups;
  /** Every spawn asked for, in order. */
  readonly spawns: SpawnSpec[];
  /** Every signal sent, in order (refused ones are not listed). */
  readonly signals: FakeSignal[];
  /** Every group whose leftovers were ended after its leader exited (S5), with the virtual time. */
  readonly endedGroups: readonly { readonly pid: number; readonly at: number }[];
  /** Paths whose writes, removals and rotations fail with EACCES. */
  readonly unwritable: Set<string>;
  /** A {@link Check} of this driver's processes, for `ready` and `health` alike, usable unbound (see `FakeProcesses.check`). */
  readonly check: Check;

  constructor(script: Script = {}, { scheduler, idVariable, ownPid, firstPid, bootId, processLimit }: FakeDriverOptions = {}) {
    this.files = new FakeFiles();
    const clock = new FakeClock({ scheduler, name: 'FakeDriver' });
    this.processes = new FakeProcesses(script, { clock, files: this.files, idVariable, ownPid, firstPid });
    this.system = new FakeSystem({ processes: this.processes, bootId, processLimit });
    this.spawns = this.processes.spawns;
    this.signals = this.processes.signals;
    this.endedGroups = this.processes.endedGroups;
    this.check = this.processes.check;
    this.unwritable = this.files.unwritable;
  }

  /**
   * This driver's fakes with `cgroups` as its fourth seam (a
   * `FakeCgroups` of its {@link processes}): a manager of it contains its
   * services in cgroups, a daemon given a `cgroup` spawns into it.
   *
   * @example
   * const fake = new FakeDriver();
   * const cgroups = new FakeCgroups(fake.processes);
   * manage(of({ web: { command: 'web' } }), { driver: fake.withCgroups(cgroups) });
   */
  withCgroups(cgroups: Cgroups): ProcessDriver {
    return { processes: this.processes, system: this.system, files: this.files, cgroups };
  }

  /** Takes the pipeline's scheduler as the clock of its processes, or refuses it (TypeError) when it already runs on another. */
  useScheduler(scheduler: SchedulerLike): void {
    this.processes.useScheduler(scheduler);
  }

  /** See {@link FakeProcesses.addProcess}. */
  addProcess(options?: AddedProcess): FakeProcess {
    return this.processes.addProcess(options);
  }

  /** Ends a process now, as if it exited or was killed from outside. */
  end(pid: number, status: ExitStatus): void {
    this.processes.end(pid, status);
  }

  /** See {@link FakeProcesses.reusePid}. */
  reusePid(pid: number): FakeProcess {
    return this.processes.reusePid(pid);
  }

  /** See {@link FakeProcesses.signalLog}. */
  signalLog(): string[] {
    return this.processes.signalLog();
  }
}

