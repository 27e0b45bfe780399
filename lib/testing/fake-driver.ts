import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { asyncScheduler, AsyncSubject, defer, Observable, of, throwError, type SchedulerLike } from 'rxjs';
import type {
  ChildHandle,
  ExitStatus,
  KillError,
  Marked,
  OutputStart,
  ProcessDriver,
  ProcessProbe,
  ProcessWatch,
  Spawned,
  SpawnFailure,
  SpawnSpec,
} from '../process/driver.js';
import type { FileSource } from '../fs/file-source.js';
import type { RotateOutcome } from '../fs/rotate.js';
import { nprocAdvice, type Headroom } from '../process/limits.js';
import type { ProcessIdentity } from '../process/identity.js';
import { isSignallablePid } from '../process/pid.js';
import type { SpawnIntent } from '../process/spawn-intent.js';
import type { Check } from '../checks/check.js';
import { checkError, type CheckError } from '../checks/check-error.js';
import { checkNonNegativeInteger } from '../validate.js';
import { scriptOf, type FakeProcessScript, type Script } from './script.js';
import { codedError } from '../errno.js';
import type { Signal } from '../signal-name.js';

/** A signal the fake delivered, with the virtual time it was sent (refused ones are not recorded). */
export interface FakeSignal {
  readonly pid: number;
  readonly signal: Signal;
  readonly group: boolean;
  readonly at: number;
}

/** A fake process as the test sees it. */
export interface FakeProcess {
  readonly pid: number;
  readonly startTime: string;
  /** Spawned by this driver (a child) or added by the test (a process to adopt). */
  readonly spawned: boolean;
  /** Its environment as a child sees it: for a spawned one, what the spec added. */
  readonly env: Readonly<Record<string, string>>;
  /** Its parent: this driver's `ownPid` for a spawned one, 1 (init) for an added one unless given. */
  readonly ppid: number;
  /** Its session: its own pid (a session leader) unless given. */
  readonly session: number;
  /** What its /proc/<pid>/exe would show: a spawned one's command; null when it cannot be read; undefined for one no spawn ran. */
  readonly executable: string | null | undefined;
  alive: boolean;
  exit?: ExitStatus;
}

/** What {@link FakeDriver.addProcess} takes: how the process behaves, and what it looks like from outside. */
export interface AddedProcess extends Pick<FakeProcessScript, 'exitAfterMs' | 'onSigint' | 'readyAfterMs' | 'unhealthyAfterMs'> {
  /** Another user's: it can be seen but not signalled (EPERM). */
  readonly foreign?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  readonly ppid?: number;
  readonly session?: number;
  /**
   * What its /proc/<pid>/exe shows, to be taken for the process of a spawn
   * of that command (a fake spawn's executable is its command). `null`: it
   * cannot be read, as a non-dumpable process's cannot by a user other than
   * root. Absent: a program no spawn runs.
   */
  readonly executable?: string | null;
  /**
   * When it started, in virtual ms (default: now, when it is added): a
   * process that had run a while before the test adopts it. Never later
   * than now. A fake tick is a virtual ms counted from virtual time 0, the
   * fake's boot, so this is also its start time.
   */
  readonly startedAt?: number;
}

/** Options of {@link FakeDriver}. */
export interface FakeDriverOptions {
  /**
   * The clock of every fake process. Default: the scheduler of the first
   * daemon or manager whose options name this driver (`asyncScheduler`
   * when they name none, or when the driver is used before any, e.g. by
   * {@link FakeDriver.addProcess}). Once it has one, a daemon or manager
   * with another is refused with a TypeError: a fake on another clock would
   * never end its processes in the daemon's time.
   */
  readonly scheduler?: SchedulerLike;
  /** The variable that carries a spawn's id, for `byId` scripts: the daemons' `envNames.id`. Default `RXDAEMON_ID`. */
  readonly idVariable?: string;
  /** The pid the fake supervisor has. Default 1. */
  readonly ownPid?: number;
  /** The boot id it reports. Default `fake-boot`. */
  readonly bootId?: string | null;
  /** The first pid it hands out. Default 1000. */
  readonly firstPid?: number;
  /** How many live processes it can have at once, as RLIMIT_NPROC would allow; `headroom` says so past it. Default: no limit. */
  readonly processLimit?: number;
}

/**
 * A {@link ProcessDriver} whose processes are scripted in virtual time: they
 * exit after a given time with a code or a signal, ignore SIGINT, or fail to
 * spawn. It records every spawn and every signal, and keeps files in memory,
 * so a marble test can assert exactly what the supervisor did and when.
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
  readonly ownPid: number;
  /** Every spawn asked for, in order. */
  readonly spawns: SpawnSpec[] = [];
  /** How many of `spawns` each id made (undefined: spawns without an id). */
  private readonly spawnsById = new Map<string | undefined, number>();
  /** Every signal sent, in order (refused ones are not listed). */
  readonly signals: FakeSignal[] = [];
  /** Every process, by pid. */
  readonly processes = new Map<number, FakeProcess>();
  /** The files written, by path. */
  readonly files = new Map<string, string>();
  /** Every group whose leftovers were ended after its leader exited (S5), with the virtual time. */
  readonly endedGroups: { readonly pid: number; readonly at: number }[] = [];
  /** How many times each file in `files` was rotated: `output.look` tells readers, as the real driver's does. */
  private readonly rotations = new Map<string, number>();
  /** Paths whose writes, removals and rotations fail with EACCES. */
  readonly unwritable = new Set<string>();

  /**
   * A {@link Check} of this driver's processes, for `ready` and `health`
   * alike, usable unbound (`ready: { check: driver.check }`). One attempt
   * passes, on the driver's clock, for a live process whose script says it
   * is ready (`readyAfterMs` after its spawn, or after it was added) and not
   * yet unhealthy (`unhealthyAfterMs` after that); otherwise it fails with
   * `ENOTREADY` (`not ready yet (ready at 300 ms)`), `EUNHEALTHY`
   * (`unhealthy since 5300 ms`) or `ESRCH` (the process is gone, or is
   * none of this driver's).
   */
  readonly check: Check = ({ pid }) =>
    defer(() => {
      const failure = this.checkFailure(pid);
      return failure === undefined ? of(pid) : throwError(() => failure);
    });

  private readonly idVariable: string;
  // Where the clock came from, for the error that refuses another one.
  private clock: { readonly scheduler: SchedulerLike; readonly from: string } | undefined;
  private readonly boot: string | null;
  private nextPid: number;
  private readonly exits = new Map<number, AsyncSubject<ExitStatus>>();
  private readonly scripts = new Map<number, FakeProcessScript>();
  private readonly foreign = new Set<number>();
  private readonly processLimit: number | undefined;
  // When each process's check passes: from readyAt until unhealthyAt, in the clock's time.
  private readonly checkTimes = new Map<number, { readonly readyAt: number; readonly unhealthyAt: number }>();

  constructor(
    private readonly script: Script = {},
    options: FakeDriverOptions = {},
  ) {
    this.clock = options.scheduler === undefined ? undefined : { scheduler: options.scheduler, from: "the FakeDriver's own options" };
    this.idVariable = options.idVariable ?? 'RXDAEMON_ID';
    this.ownPid = options.ownPid ?? 1;
    this.boot = options.bootId === undefined ? 'fake-boot' : options.bootId;
    this.nextPid = options.firstPid ?? 1000;
    this.processLimit = options.processLimit === undefined ? undefined : checkNonNegativeInteger('processLimit', options.processLimit);
  }

  /**
   * Takes the pipeline's scheduler as the clock of its processes, or
   * refuses it (TypeError) when it already runs on another. Called where a
   * daemon's or a manager's options are resolved.
   */
  useScheduler(scheduler: SchedulerLike): void {
    if (this.clock === undefined) this.clock = { scheduler, from: 'the options of the first daemon or manager that used it' };
    else if (this.clock.scheduler !== scheduler) {
      throw new TypeError(
        `This FakeDriver runs on another scheduler than the daemon's or manager's (it has the one of ${this.clock.from}), so its processes would never end in their time. Give both the same scheduler, or take both from testKit().`,
      );
    }
  }

  spawn(spec: SpawnSpec): Observable<ChildHandle> {
    const pick = scriptOf(this.script, spec, this.idVariable);
    return new Observable<ChildHandle>((subscriber) => {
      this.spawns.push(spec);
      // Counted as they come: a day of crash loop in virtual time is thousands of spawns, and a filter of all of them at each was quadratic.
      const id = spec.env[this.idVariable];
      const ofId = (this.spawnsById.get(id) ?? 0) + 1;
      this.spawnsById.set(id, ofId);
      const script = pick(this.spawns.length, ofId);
      if (script.spawnError !== undefined) {
        const failure: SpawnFailure = { code: script.spawnError, message: `spawn ${spec.command} ${script.spawnError}` };
        return this.scheduler.schedule(() => {
          subscriber.error(failure);
        });
      }
      const times = this.checkTimesOf(script);
      const fake = this.add(true, spec.env, this.ownPid, undefined, spec.command);
      const outputStart = this.write(spec, script.writes);
      this.scripts.set(fake.pid, script);
      this.checkTimes.set(fake.pid, times);
      if (script.exitAfterMs !== undefined) {
        const status: ExitStatus =
          script.exitSignal === undefined ? { code: script.exitCode ?? 0, signal: null } : { code: null, signal: script.exitSignal };
        this.scheduler.schedule(() => {
          this.end(fake.pid, status);
        }, script.exitAfterMs);
      }
      subscriber.next({ pid: fake.pid, exit$: this.exitOf(fake.pid), release: () => undefined, ...(outputStart === undefined ? {} : { outputStart }) });
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
    const times = this.checkTimesOf(options);
    const fake = this.add(false, options.env ?? {}, options.ppid ?? 1, options.session, options.executable, options.startedAt);
    if (options.foreign === true) this.foreign.add(fake.pid);
    this.scripts.set(fake.pid, options);
    this.checkTimes.set(fake.pid, times);
    if (options.exitAfterMs !== undefined) {
      this.scheduler.schedule(() => {
        this.end(fake.pid, { code: 0, signal: null });
      }, options.exitAfterMs);
    }
    return fake;
  }

  /** Ends a process now, as if it exited or was killed from outside. */
  end(pid: number, status: ExitStatus): void {
    const fake = this.processes.get(pid);
    if (fake?.alive !== true) return;
    fake.alive = false;
    fake.exit = status;
    this.exitOf(pid);
    const exit$ = this.exits.get(pid);
    exit$?.next(status);
    exit$?.complete();
  }

  /**
   * Simulates pid reuse: the process at `pid` is gone and another one, with
   * another start time, now holds the pid.
   */
  reusePid(pid: number): FakeProcess {
    this.end(pid, { code: null, signal: 'SIGKILL' });
    const fake: FakeProcess = { pid, startTime: `${this.scheduler.now()}-reused`, spawned: false, env: {}, ppid: 1, session: pid, executable: undefined, alive: true };
    this.processes.set(pid, fake);
    this.exits.delete(pid);
    // The newcomer is not the scripted process: it exits at SIGINT, and passes every check.
    this.scripts.delete(pid);
    this.checkTimes.delete(pid);
    return fake;
  }

  kill(target: ProcessIdentity, signal: Signal, group: boolean): Either<KillError, void> {
    const { pid } = target;
    if (!isSignallablePid(pid, this.ownPid)) {
      return left({ code: 'EINVAL', message: `refusing to signal pid ${String(pid)}` });
    }
    const fake = this.processes.get(pid);
    if (fake === undefined || !fake.alive) return left({ code: 'ESRCH', message: `process ${pid} is gone` });
    if (target.startTime !== null && target.startTime !== fake.startTime) {
      return left({ code: 'EPIDREUSED', message: `pid ${pid} now belongs to another process` });
    }
    if (this.foreign.has(pid)) return left({ code: 'EPERM', message: `kill ${signal} ${pid}: EPERM` });
    this.signals.push({ pid, signal, group, at: this.scheduler.now() });
    this.deliver(fake, signal);
    return right(undefined);
  }

  findMarked(name: string, value: string, alsoRead: string): Marked[] {
    return [...this.processes.values()]
      .filter((fake) => fake.alive && fake.env[name] === value)
      .map(({ pid, startTime, ppid, session, env }) => ({ pid, startTime, ppid, session, also: env[alsoRead] }));
  }

  /**
   * The intent of a spawn now. A fake tick is a virtual millisecond: the
   * start time of a fake process is the virtual time it was spawned or
   * added at, so intents and start times share one unit. The fake has no
   * cwd or PATH: its executables are commands as given.
   */
  spawnIntent(spec: Pick<SpawnSpec, 'command'>): SpawnIntent {
    return { command: spec.command, at: this.scheduler.now(), boot: this.boot };
  }

  /** Answered from its own live processes, as the real scan answers from /proc (the fake's exe of a spawn is its command). */
  findSpawned(intents: readonly SpawnIntent[], within: number, unlessMarked: string): Spawned[][] {
    return intents.map((intent) =>
      [...this.processes.values()]
        .filter(({ pid, session, alive, env, startTime, executable }) => {
          const started = Number(startTime);
          const inWindow = started >= intent.at && started <= intent.at + within;
          return alive && session === pid && inWindow && !this.foreign.has(pid) && !(unlessMarked in env) && (executable === null || executable === intent.command);
        })
        .map(({ pid, startTime, executable }): Spawned => ({ pid, startTime, executable: executable === null ? 'unreadable' : 'same' })),
    );
  }

  /**
   * Records the group as ended, and ends its members: the live processes
   * added with `session` set to the leader's pid (a fake group is its
   * session). Says whether there were any.
   */
  endGroup(leader: ProcessIdentity): boolean {
    this.endedGroups.push({ pid: leader.pid, at: this.scheduler.now() });
    const members = [...this.processes.values()].filter((fake) => fake.alive && fake.session === leader.pid && fake.pid !== leader.pid);
    for (const member of members) this.end(member.pid, { code: null, signal: 'SIGKILL' });
    return members.length > 0;
  }

  /** Members are ended at once, so none is ever left. */
  groupRemains(): boolean {
    return false;
  }

  probe(pid: number): ProcessProbe {
    const fake = this.processes.get(pid);
    if (fake === undefined || !isSignallablePid(pid, this.ownPid)) return { state: 'dead', startTime: null };
    if (!fake.alive) return { state: 'dead', startTime: fake.startTime };
    return { state: this.foreign.has(pid) ? 'foreign' : 'alive', startTime: fake.startTime };
  }

  watch(target: ProcessIdentity): ProcessWatch {
    // Holds the process as it is now: a later one given the same pid (reusePid) is another object.
    const fake = this.processes.get(target.pid);
    return {
      gone: () => fake?.alive !== true || (target.startTime !== null && target.startTime !== fake.startTime),
      close: () => undefined,
    };
  }

  /** A fake tick is a virtual ms since virtual time 0, the fake's boot: so the start is where `now`'s clock stood that long ago. */
  startedAt(target: ProcessIdentity, now: number): number | null {
    // A reused pid's newcomer has a start time that is no tick count.
    if (target.startTime === null || !/^\d+$/.test(target.startTime)) return null;
    return now - (this.scheduler.now() - Number(target.startTime));
  }

  bootId(): string | null {
    return this.boot;
  }

  /** Past `processLimit` live processes, the limit as RLIMIT_NPROC (no room is kept in reserve). */
  headroom(wanted: number): Headroom | undefined {
    if (this.processLimit === undefined) return undefined;
    const inUse = [...this.processes.values()].filter((fake) => fake.alive).length;
    const more = Math.max(0, this.processLimit - inUse);
    const needed = inUse + wanted;
    return more < wanted ? { more, limit: 'RLIMIT_NPROC', value: this.processLimit, inUse, raise: nprocAdvice(needed) } : undefined;
  }

  writeFile(path: string, data: string): Observable<void> {
    return defer(() => {
      if (this.unwritable.has(path)) return throwError(() => eacces(path));
      this.files.set(path, data);
      return of(undefined);
    });
  }

  removeFile(path: string): Observable<void> {
    return defer(() => {
      if (this.unwritable.has(path)) return throwError(() => eacces(path));
      this.files.delete(path);
      return of(undefined);
    });
  }

  /** Reads the files a test put in `files` (a fake process writes nothing itself): for `lines$` and the crash report. */
  readonly output: FileSource = {
    look: (path) => {
      const text = this.files.get(path);
      return text === undefined ? undefined : { size: Buffer.byteLength(text), ino: 1, rotations: this.rotations.get(path) ?? 0 };
    },
    read: (path, offset, length) => Buffer.from(this.files.get(path) ?? '').subarray(offset, offset + length),
  };

  /**
   * Rotates a file in `files` as the real driver rotates one on disk: `.1` …
   * up one, the file to `.1`, then emptied, and counted; an `unwritable`
   * path fails with EACCES.
   */
  rotate(path: string, maxBytes: number, backups: number): Observable<RotateOutcome> {
    return defer(() => {
      const text = this.files.get(path);
      if (text === undefined || Buffer.byteLength(text) <= maxBytes) return of(right(false));
      if (this.unwritable.has(path)) return of(left(eacces(path)));
      for (let k = backups - 1; k >= 1; k--) {
        const older = this.files.get(`${path}.${k}`);
        if (older !== undefined) this.files.set(`${path}.${k + 1}`, older);
      }
      this.files.set(`${path}.1`, text);
      this.files.set(path, '');
      this.rotations.set(path, (this.rotations.get(path) ?? 0) + 1);
      return of(right(true));
    });
  }

  /**
   * The signals sent so far, as `SIGNAL pid@ms` strings (`'SIGINT 1000@5000'`),
   * for compact assertions: the pid tells two signals to two processes from
   * one process signalled twice.
   */
  signalLog(): string[] {
    return this.signals.map(({ signal, pid, at }) => `${signal} ${pid}@${at}`);
  }

  /** The clock; one used before anything gave it one is `asyncScheduler`, for good. */
  private get scheduler(): SchedulerLike {
    this.clock ??= { scheduler: asyncScheduler, from: 'asyncScheduler, taken at its use before any daemon' };
    return this.clock.scheduler;
  }

  private add(
    spawned: boolean,
    env: Readonly<Record<string, string>>,
    ppid: number,
    session: number | undefined,
    executable: string | null | undefined,
    startedAt?: number,
  ): FakeProcess {
    const pid = this.nextPid++;
    const now = this.scheduler.now();
    const started = startedAt === undefined ? now : checkNonNegativeInteger('startedAt', startedAt);
    if (started > now) throw new TypeError(`FakeDriver: a process cannot have started at ${started} ms, after now (${now} ms).`);
    const fake: FakeProcess = { pid, startTime: String(started), spawned, env, ppid, session: session ?? pid, executable, alive: true };
    this.processes.set(pid, fake);
    return fake;
  }

  /**
   * What a spawned process writes to its output files that are files, as
   * its script says: where its run begins in each is recorded first, as
   * the real driver records a file's size at the spawn. Undefined for a
   * script that writes nothing (the test fills `files` itself).
   */
  private write(spec: SpawnSpec, writes: FakeProcessScript['writes']): OutputStart | undefined {
    if (writes === undefined) return undefined;
    const append = (target: SpawnSpec['stdout'], text: string | undefined): { readonly at: number; readonly rotations: number } | undefined => {
      if (typeof target !== 'object') return undefined;
      const before = this.files.get(target.file) ?? '';
      this.files.set(target.file, before + (text ?? ''));
      return { at: Buffer.byteLength(before), rotations: this.rotations.get(target.file) ?? 0 };
    };
    const stdout = append(spec.stdout, writes.stdout);
    const stderr = append(spec.stderr, writes.stderr);
    return {
      ...(stdout === undefined ? {} : { stdout: stdout.at, stdoutRotations: stdout.rotations }),
      ...(stderr === undefined ? {} : { stderr: stderr.at, stderrRotations: stderr.rotations }),
    };
  }

  /** When a process that starts now is ready and unhealthy, as its script says (a TypeError for a bad time: a bug of the test). */
  private checkTimesOf({ readyAfterMs = 0, unhealthyAfterMs }: Pick<FakeProcessScript, 'readyAfterMs' | 'unhealthyAfterMs'>): { readonly readyAt: number; readonly unhealthyAt: number } {
    const readyAt = this.scheduler.now() + checkNonNegativeInteger('readyAfterMs', readyAfterMs);
    const unhealthyAt = unhealthyAfterMs === undefined ? Number.POSITIVE_INFINITY : readyAt + checkNonNegativeInteger('unhealthyAfterMs', unhealthyAfterMs);
    return { readyAt, unhealthyAt };
  }

  /** Why {@link check} fails for this pid now, or nothing when it passes. */
  private checkFailure(pid: number): CheckError | undefined {
    const fake = this.processes.get(pid);
    if (fake === undefined) return checkError('ESRCH', `no process of this FakeDriver has pid ${pid}`);
    if (!fake.alive) return checkError('ESRCH', `process ${pid} is gone`);
    const times = this.checkTimes.get(pid);
    if (times === undefined) return undefined;
    const now = this.scheduler.now();
    if (now < times.readyAt) return checkError('ENOTREADY', `not ready yet (ready at ${times.readyAt} ms)`);
    if (now >= times.unhealthyAt) return checkError('EUNHEALTHY', `unhealthy since ${times.unhealthyAt} ms`);
    return undefined;
  }

  private exitOf(pid: number): Observable<ExitStatus> {
    let exit$ = this.exits.get(pid);
    if (exit$ === undefined) {
      exit$ = new AsyncSubject<ExitStatus>();
      this.exits.set(pid, exit$);
    }
    return exit$.asObservable();
  }

  private deliver(fake: FakeProcess, signal: Signal): void {
    const onSigint = this.scripts.get(fake.pid)?.onSigint ?? 'exit';
    if (signal === 'SIGKILL' || ((signal === 'SIGINT' || signal === 'SIGTERM') && onSigint === 'exit')) {
      // A real process dies of a signal a moment after it is sent, never inside kill(2).
      this.scheduler.schedule(() => {
        this.end(fake.pid, { code: null, signal });
      });
    } else if ((signal === 'SIGINT' || signal === 'SIGTERM') && typeof onSigint === 'object') {
      this.scheduler.schedule(() => {
        this.end(fake.pid, { code: onSigint.exitCode ?? 0, signal: null });
      }, onSigint.exitAfterMs);
    }
  }
}

const eacces = (path: string): NodeJS.ErrnoException =>
  codedError('EACCES', `EACCES: permission denied, open '${path}'`);
