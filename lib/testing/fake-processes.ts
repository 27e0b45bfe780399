import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { AsyncSubject, defer, Observable, of, Subject, throwError, type SchedulerLike } from 'rxjs';
import type { Check } from '../checks/check.js';
import { checkError, type CheckError } from '../checks/check-error.js';
import type { ProcessIdentity } from '../process/identity.js';
import { isSignallablePid } from '../process/pid.js';
import type { ChildHandle, ExitStatus, KillError, Processes, ProcessProbe, ProcessWatch, SpawnFailure } from '../process/processes.js';
import type { SpawnSpec } from '../process/spawn-spec.js';
import { checkNonNegativeInteger } from '../validate.js';
import { FakeClock } from './fake-clock.js';
import { FakeFiles } from './fake-files.js';
import type { AddedProcess, FakeProcess, FakeSignal } from './fake-process.js';
import { SpawnScripts, type FakeProcessScript, type Script } from './script.js';
import type { Signal } from '../signal-name.js';

/** Options of {@link FakeProcesses}. */
export interface FakeProcessesOptions {
  /** The clock of its processes. Default: a {@link FakeClock} of its own, which takes the first daemon's or manager's scheduler. */
  readonly clock?: FakeClock;
  /** The variable that carries a spawn's id, for `byId` scripts: the daemons' `envNames.id`. Default `RXDAEMON_ID`. */
  readonly idVariable?: string;
  /** The pid the fake supervisor has. Default 1. */
  readonly ownPid?: number;
  /** The first pid it hands out. Default 1000. */
  readonly firstPid?: number;
  /** Where a spawned process writes what its script's `writes` says. Default: files of its own, in memory. */
  readonly files?: FakeFiles;
}

/** What a fake process does, which the test does not see: its end, its answer to SIGINT, when its check passes. */
interface Life {
  readonly exit$: AsyncSubject<ExitStatus>;
  readonly onSigint: NonNullable<FakeProcessScript['onSigint']>;
  /** Its check passes from `readyAt` until `unhealthyAt`, on the clock. */
  readonly readyAt: number;
  readonly unhealthyAt: number;
}

type CheckTimes = Pick<Life, 'readyAt' | 'unhealthyAt'>;

/**
 * The processes seam of `FakeDriver`, usable alone
 * (`driver: { processes: new FakeProcesses(script) }`): processes scripted
 * in virtual time, which exit after a given time with a code or a signal,
 * ignore SIGINT, or fail to spawn. It is a `Map` of every fake process by
 * pid, and records every spawn and every signal, so a marble test can
 * assert exactly what the supervisor did and when.
 *
 * Its {@link Script} says how each spawn behaves; a script also says when
 * its process is ready and when it turns unhealthy, which
 * {@link FakeProcesses.check} tells.
 *
 * @example
 * new TestScheduler(assert.deepStrictEqual).run(({ expectObservable }) => {
 *   const spawns$ = supervise({ command: 'x' }, { driver: { processes: new FakeProcesses({ exitAfterMs: 0, exitCode: 1 }) } }).pipe(
 *     filter((e) => e.type === 'spawning'), map((e) => e.attempt), take(4));
 *   expectObservable(spawns$).toBe('(abc) 1995ms (d|)', { a: 1, b: 2, c: 3, d: 4 });
 * });
 */
export class FakeProcesses extends Map<number, FakeProcess> implements Processes {
  readonly ownPid: number;
  /** Every spawn asked for, in order. */
  readonly spawns: SpawnSpec[] = [];
  /** Every signal sent, in order (refused ones are not listed). */
  readonly signals: FakeSignal[] = [];
  /** Every group whose leftovers were ended after its leader exited (S5), with the virtual time. */
  readonly endedGroups: { readonly pid: number; readonly at: number }[] = [];
  /** The clock of its processes. */
  readonly clock: FakeClock;
  /** Where its spawned processes write. */
  readonly files: FakeFiles;

  /**
   * A {@link Check} of these processes, for `ready` and `health` alike,
   * usable unbound (`ready: { check: processes.check }`). One attempt
   * passes, on the clock, for a live process whose script says it is ready
   * (`readyAfterMs` after its spawn, or after it was added) and not yet
   * unhealthy (`unhealthyAfterMs` after that); otherwise it fails with
   * `ENOTREADY` (`not ready yet (ready at 300 ms)`), `EUNHEALTHY`
   * (`unhealthy since 5300 ms`) or `ESRCH` (the process is gone, or is none
   * of these).
   */
  readonly check: Check = ({ pid }) =>
    defer(() => {
      const failure = this.#checkFailure(pid);
      return failure === undefined ? of(pid) : throwError(() => failure);
    });

  readonly #scripts: SpawnScripts;
  // Keyed by the process, not its pid: the newcomer of a reused pid (reusePid) is another process, with no life of the old one's.
  readonly #lives = new WeakMap<FakeProcess, Life>();
  readonly #ended = new Subject<FakeProcess>();
  #nextPid: number;

  constructor(script: Script = {}, options: FakeProcessesOptions = {}) {
    super();
    this.clock = options.clock ?? new FakeClock({ name: 'FakeProcesses' });
    this.files = options.files ?? new FakeFiles();
    this.#scripts = new SpawnScripts(script, options.idVariable ?? 'RXDAEMON_ID');
    this.ownPid = options.ownPid ?? 1;
    this.#nextPid = options.firstPid ?? 1000;
  }

  /** Takes the pipeline's scheduler as the clock, or refuses it (see {@link FakeClock.use}). Called where a daemon's or a manager's options are resolved. */
  useScheduler(scheduler: SchedulerLike): void {
    this.clock.use(scheduler);
  }

  spawn(spec: SpawnSpec): Observable<ChildHandle> {
    const scriptOf = this.#scripts.of(spec);
    return new Observable<ChildHandle>((subscriber) => {
      this.spawns.push(spec);
      const script = scriptOf(this.spawns.length);
      if (script.spawnError !== undefined) {
        const failure: SpawnFailure = { code: script.spawnError, message: `spawn ${spec.command} ${script.spawnError}` };
        return this.#scheduler.schedule(() => {
          subscriber.error(failure);
        });
      }
      const times = this.#checkTimesOf(script);
      const fake = this.#add({ spawned: true, env: spec.env, ppid: this.ownPid, executable: spec.command, cgroup: spec.cgroup }, script, times);
      const outputStart = script.writes === undefined ? undefined : this.files.appendOutputs(spec, script.writes);
      if (script.exitAfterMs !== undefined) {
        const status: ExitStatus = script.exitSignal === undefined ? { code: script.exitCode ?? 0, signal: null } : { code: null, signal: script.exitSignal };
        this.#scheduler.schedule(() => {
          this.end(fake.pid, status);
        }, script.exitAfterMs);
      }
      subscriber.next({ pid: fake.pid, exit$: this.#lifeOf(fake).exit$.asObservable(), release: () => undefined, ...(outputStart === undefined ? {} : { outputStart }) });
      subscriber.complete();
      return undefined;
    });
  }

  /**
   * Adds a running process the supervisor did not start, to be adopted. It
   * exits after `exitAfterMs` when given, or when {@link end} is called,
   * answers SIGINT as `onSigint` says, and is ready `readyAfterMs` after
   * now (and unhealthy `unhealthyAfterMs` after that) to {@link check}.
   */
  addProcess(options: AddedProcess = {}): FakeProcess {
    const times = this.#checkTimesOf(options);
    const { env = {}, ppid = 1, executable, foreign, session, startedAt, cgroup } = options;
    const fake = this.#add({ spawned: false, env, ppid, executable, foreign, session, startedAt, cgroup }, options, times);
    if (options.exitAfterMs !== undefined) {
      this.#scheduler.schedule(() => {
        this.end(fake.pid, { code: 0, signal: null });
      }, options.exitAfterMs);
    }
    return fake;
  }

  /** Ends a process now, as if it exited or was killed from outside. */
  end(pid: number, status: ExitStatus): void {
    const fake = this.get(pid);
    if (fake?.alive !== true) return;
    fake.alive = false;
    fake.exit = status;
    const { exit$ } = this.#lifeOf(fake);
    exit$.next(status);
    exit$.complete();
    this.#ended.next(fake);
  }

  /** Each process as it ends (what a `FakeCgroups` tells its cgroup's emptying by). */
  readonly ended$: Observable<FakeProcess> = this.#ended.asObservable();

  /**
   * Simulates pid reuse: the process at `pid` is gone and another one, with
   * another start time, now holds the pid. The newcomer is no scripted
   * process: it exits at SIGINT, and passes every check.
   */
  reusePid(pid: number): FakeProcess {
    this.end(pid, { code: null, signal: 'SIGKILL' });
    const fake: FakeProcess = { pid, startTime: `${this.clock.now()}-reused`, spawned: false, foreign: false, env: {}, ppid: 1, session: pid, executable: undefined, alive: true };
    this.set(pid, fake);
    return fake;
  }

  kill(target: ProcessIdentity, signal: Signal, group: boolean): Either<KillError, void> {
    const { pid } = target;
    if (!isSignallablePid(pid, this.ownPid)) {
      return left({ code: 'EINVAL', message: `refusing to signal pid ${String(pid)}` });
    }
    const fake = this.get(pid);
    if (fake === undefined || !fake.alive) return left({ code: 'ESRCH', message: `process ${pid} is gone` });
    if (target.startTime !== null && target.startTime !== fake.startTime) {
      return left({ code: 'EPIDREUSED', message: `pid ${pid} now belongs to another process` });
    }
    if (fake.foreign) return left({ code: 'EPERM', message: `kill ${signal} ${pid}: EPERM` });
    this.signals.push({ pid, signal, group, at: this.clock.now() });
    this.#deliver(fake, signal);
    return right(undefined);
  }

  /**
   * Records the group as ended, and ends its members: the live processes
   * added with `session` set to the leader's pid (a fake group is its
   * session). Says whether there were any.
   */
  endGroup(leader: ProcessIdentity): boolean {
    this.endedGroups.push({ pid: leader.pid, at: this.clock.now() });
    const members = [...this.values()].filter((fake) => fake.alive && fake.session === leader.pid && fake.pid !== leader.pid);
    for (const member of members) this.end(member.pid, { code: null, signal: 'SIGKILL' });
    return members.length > 0;
  }

  /** Members are ended at once, so none is ever left. */
  groupRemains(): boolean {
    return false;
  }

  probe(pid: number): ProcessProbe {
    const fake = this.get(pid);
    if (fake === undefined || !isSignallablePid(pid, this.ownPid)) return { state: 'dead', startTime: null };
    if (!fake.alive) return { state: 'dead', startTime: fake.startTime };
    return { state: fake.foreign ? 'foreign' : 'alive', startTime: fake.startTime };
  }

  watch(target: ProcessIdentity): ProcessWatch {
    // Holds the process as it is now: a later one given the same pid (reusePid) is another object.
    const fake = this.get(target.pid);
    return {
      gone: () => fake?.alive !== true || (target.startTime !== null && target.startTime !== fake.startTime),
      close: () => undefined,
    };
  }

  /**
   * The signals sent so far, as `SIGNAL pid@ms` strings (`'SIGINT 1000@5000'`),
   * for compact assertions: the pid tells two signals to two processes from
   * one process signalled twice.
   */
  signalLog(): string[] {
    return this.signals.map(({ signal, pid, at }) => `${signal} ${pid}@${at}`);
  }

  get #scheduler(): SchedulerLike {
    return this.clock.scheduler;
  }

  #add(seen: Pick<FakeProcess, 'spawned' | 'env' | 'ppid' | 'executable' | 'cgroup'> & Pick<AddedProcess, 'foreign' | 'session' | 'startedAt'>, script: Pick<FakeProcessScript, 'onSigint'>, times: CheckTimes): FakeProcess {
    const pid = this.#nextPid++;
    const now = this.clock.now();
    const started = seen.startedAt === undefined ? now : checkNonNegativeInteger('startedAt', seen.startedAt);
    if (started > now) throw new TypeError(`FakeDriver: a process cannot have started at ${started} ms, after now (${now} ms).`);
    const { spawned, env, ppid, executable, cgroup } = seen;
    const fake: FakeProcess = {
      pid,
      startTime: String(started),
      spawned,
      foreign: seen.foreign === true,
      env,
      ppid,
      session: seen.session ?? pid,
      executable,
      ...(cgroup === undefined ? {} : { cgroup }),
      alive: true,
    };
    this.set(pid, fake);
    this.#lives.set(fake, { exit$: new AsyncSubject(), onSigint: script.onSigint ?? 'exit', ...times });
    return fake;
  }

  /** What the process needs to end: its own life, or for the newcomer of a reused pid, one made now that exits at SIGINT and passes every check. */
  #lifeOf(fake: FakeProcess): Life {
    let life = this.#lives.get(fake);
    if (life === undefined) {
      life = { exit$: new AsyncSubject(), onSigint: 'exit', readyAt: Number.NEGATIVE_INFINITY, unhealthyAt: Number.POSITIVE_INFINITY };
      this.#lives.set(fake, life);
    }
    return life;
  }

  /** When a process that starts now is ready and unhealthy, as its script says (a TypeError for a bad time: a bug of the test). */
  #checkTimesOf({ readyAfterMs = 0, unhealthyAfterMs }: Pick<FakeProcessScript, 'readyAfterMs' | 'unhealthyAfterMs'>): CheckTimes {
    const readyAt = this.clock.now() + checkNonNegativeInteger('readyAfterMs', readyAfterMs);
    const unhealthyAt = unhealthyAfterMs === undefined ? Number.POSITIVE_INFINITY : readyAt + checkNonNegativeInteger('unhealthyAfterMs', unhealthyAfterMs);
    return { readyAt, unhealthyAt };
  }

  /** Why {@link check} fails for this pid now, or nothing when it passes. */
  #checkFailure(pid: number): CheckError | undefined {
    const fake = this.get(pid);
    if (fake === undefined) return checkError('ESRCH', `no process of this FakeDriver has pid ${pid}`);
    if (!fake.alive) return checkError('ESRCH', `process ${pid} is gone`);
    const { readyAt, unhealthyAt } = this.#lifeOf(fake);
    const now = this.clock.now();
    if (now < readyAt) return checkError('ENOTREADY', `not ready yet (ready at ${readyAt} ms)`);
    if (now >= unhealthyAt) return checkError('EUNHEALTHY', `unhealthy since ${unhealthyAt} ms`);
    return undefined;
  }

  #deliver(fake: FakeProcess, signal: Signal): void {
    const { onSigint } = this.#lifeOf(fake);
    if (signal === 'SIGKILL' || ((signal === 'SIGINT' || signal === 'SIGTERM') && onSigint === 'exit')) {
      // A real process dies of a signal a moment after it is sent, never inside kill(2).
      this.#scheduler.schedule(() => {
        this.end(fake.pid, { code: null, signal });
      });
    } else if ((signal === 'SIGINT' || signal === 'SIGTERM') && typeof onSigint === 'object') {
      this.#scheduler.schedule(() => {
        this.end(fake.pid, { code: onSigint.exitCode ?? 0, signal: null });
      }, onSigint.exitAfterMs);
    }
  }
}
