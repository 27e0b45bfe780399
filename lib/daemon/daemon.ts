import { chain, left, map, right, type Either } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { AsyncSubject, filter, firstValueFrom, ignoreElements, Observable, Subject } from 'rxjs';
import { checkCommand, commandEquals, type Command } from '../command.js';
import { deferred, type Deferred } from '../deferred.js';
import { codedError } from '../errno.js';
import { eventFactory, isTerminal, type DaemonEvent } from '../events.js';
import { driverOf, resolveOptions, type DaemonOptions, type ResolvedOptions } from '../options.js';
import { outputLines$, type OutputStream } from '../output/output-lines.js';
import { checkSnapshot, decodeSnapshot } from '../snapshot/check-snapshot.js';
import type { DaemonSnapshot, Pid } from '../snapshot/codec.js';
import type { RestoreError } from '../snapshot/restore-error.js';
import { hashToken } from '../snapshot/token-hash.js';
import type { OutputOffsets } from '../process/processes.js';
import type { Adoptee } from '../snapshot/adoptee.js';
import { initialState, nextState, type DaemonState, type DaemonStatus } from './state.js';
import { askEnd, supervising$ } from './supervise.js';
import type { Ending } from './supervision.js';

/** Why `start()` refused: the daemon is being stopped or already ended, and a daemon runs once. */
export interface DaemonError {
  readonly code: 'ESTOPPED' | 'ECLOSED' | 'EGAVEUP' | 'ECOMPLETED';
  readonly message: string;
}

const STOPPING: DaemonError = { code: 'ESTOPPED', message: 'the daemon is being stopped; create a new Daemon to run the command again' };

const endedWith: Record<'stopped' | 'closed' | 'gave-up' | 'completed', DaemonError> = {
  stopped: { code: 'ESTOPPED', message: 'the daemon was stopped; create a new Daemon to run the command again' },
  closed: { code: 'ECLOSED', message: 'the daemon was closed; restore it from a snapshot to supervise the process again' },
  'gave-up': { code: 'EGAVEUP', message: 'the restart policy gave up; create a new Daemon to run the command again' },
  completed: { code: 'ECOMPLETED', message: 'the run completed and the policy did not restart it; create a new Daemon to run the command again' },
};

/** How an ended daemon is said after "a daemon that": one that gave up is not "a daemon that is gave-up". */
const endedAs = (status: DaemonStatus): string => {
  switch (status) {
    case 'gave-up':
      return 'has given up';
    case 'completed':
      return 'has completed';
    default:
      return `is ${status}`;
  }
};

/**
 * The imperative face of {@link supervise}: one command kept running, with
 * `start`, `stop` and `close` instead of subjects.
 *
 * `events$` is hot; a subscriber that subscribes right after `start()`
 * returns, in the same tick, still sees `spawning`: nothing is emitted inside
 * `start()` itself.
 *
 * @example
 * const daemon = new Daemon({ command: 'envoy', args: ['-c', 'envoy.yaml'], id: 'proxy' }, { pidFile: '/run/proxy.pid' });
 * daemon.events$.subscribe((event) => console.log(event.type));
 * daemon.start();
 * // later
 * await daemon.stop();
 */
export class Daemon {
  /** Every lifecycle event, hot; completes after the terminal one. */
  readonly events$: Observable<DaemonEvent>;
  /** The current state, replayed to each new subscriber, also after the daemon ended. */
  readonly state$: Observable<DaemonState>;
  readonly command: Command;

  readonly #options: ResolvedOptions;
  readonly #events = new Subject<DaemonEvent>();
  #current: DaemonState = initialState;
  /** Restarts asked of the running pipeline. */
  readonly #restarts = new Subject<void>();
  /** The ending asked of the running pipeline; a stop asked for before the pipeline is subscribed still reaches it (replayed). */
  #ending: AsyncSubject<Ending> | undefined;
  /** Made when someone waits for the end (most never do: a thousand daemons need no thousand promises). */
  #done: Deferred<undefined> | undefined;
  #failure: { readonly error: unknown } | undefined;
  #phase: 'new' | 'started' | 'stopping' | 'ended' = 'new';
  /** The process supervised now, its start time (undefined until first needed), and what a record keeps of its run, for snapshots. */
  #process: { readonly pid: number; startTime: string | null | undefined; readonly attempt: number; readonly outputStart: OutputOffsets | undefined } | undefined;
  #tokenHash: string | undefined;

  constructor(command: Command, options?: DaemonOptions) {
    this.command = checkCommand(command);
    this.#options = resolveOptions(options);
    this.events$ = this.#events.asObservable();
    // The state is the fold of the events: replayed by reading it, not by keeping a subject per daemon.
    this.state$ = new Observable<DaemonState>((subscriber) => {
      subscriber.next(this.#current);
      if (this.#phase === 'ended') {
        if (this.#failure === undefined) subscriber.complete();
        else subscriber.error(this.#failure.error);
        return undefined;
      }
      return this.#events.subscribe({
        next: () => {
          subscriber.next(this.#current);
        },
        error: (error: unknown) => {
          subscriber.error(error);
        },
        complete: () => {
          subscriber.complete();
        },
      });
    });
  }

  /** The current state. */
  get state(): DaemonState {
    return this.#current;
  }

  /** S1: starts supervising. Idempotent; a Left while a stop is under way and once the daemon has ended. */
  start(): Either<DaemonError, void> {
    return this.#begin(undefined);
  }

  /**
   * S3: SIGINT, `gracefulStopMs`, SIGKILL. Resolves when the process is gone
   * and the pid file removed. Idempotent; before `start()` it marks the
   * daemon stopped; after `close()` it does nothing.
   */
  stop(): Promise<void> {
    if (this.#phase === 'new') this.endBeforeStart('stopped');
    else if (this.#phase === 'started') {
      this.#phase = 'stopping';
      this.#ask('stop');
    }
    return this.ended();
  }

  /**
   * Restarts the process: a graceful stop (`exited`, `reason: 'restart'`),
   * then an immediate spawn as attempt 1, whatever the restart policy would
   * say; during a backoff, the spawn at once. Resolves at the new process's
   * `started` (or `spawn-failed`); rejects when the daemon is not running
   * (before `start()`, while stopping, once ended) or ends meanwhile.
   *
   * @example
   * const daemon = new Daemon({ command: 'envoy', args: ['-c', 'envoy.yaml'] });
   * daemon.start();
   * await daemon.restart(); // e.g. after its configuration file changed
   */
  restart(): Promise<void> {
    if (this.#phase !== 'started') return Promise.reject(codedError('ENOTRUNNING', `cannot restart a daemon that ${this.#phase === 'new' ? 'is not started' : this.#phase === 'stopping' ? 'is being stopped' : endedAs(this.#current.status)}`));
    const restarted = firstValueFrom(this.#events.pipe(filter((event) => event.type === 'started' || event.type === 'spawn-failed' || isTerminal(event))));
    this.#restarts.next();
    return restarted.then((event) => {
      if (isTerminal(event)) throw codedError('EENDED', `the daemon ended (${event.type}) before it restarted`);
    });
  }

  /** S4: stops supervising and leaves the process running; the pid file stays. */
  close(): void {
    if (this.#phase === 'new') this.endBeforeStart('closed');
    else if (this.#phase === 'started') this.#ask('close');
  }

  /**
   * The lines the process writes to its `stdout` or `stderr` file from now
   * on, as they arrive (looked at every 200 ms, on the scheduler). They are
   * read from the file, so they go on across restarts, and no pipe ties the
   * process to them. They complete when the daemon ends (stopped, closed,
   * gave up, completed), once the file is read to its end: the lines a
   * process wrote right before its end come first; subscribed after the
   * end, they complete at once. An output that is not a `{ file }` is a
   * TypeError naming the option.
   *
   * @example
   * const daemon = new Daemon({ command: 'envoy', args: ['-c', 'envoy.yaml'] }, { stderr: { file: '/var/log/envoy.err' } });
   * daemon.start();
   * daemon.lines$('stderr').subscribe((line) => console.log(`envoy: ${line}`));
   */
  lines$(stream: OutputStream): Observable<string> {
    const { scheduler, driver } = this.#options;
    // events$ completes (or errs) at the end, and a late subscriber to it learns so at once.
    return outputLines$(stream, this.#options[stream], { scheduler, source: driver.files.output, until: this.#events.pipe(ignoreElements()) });
  }

  /** S6: the same command, args, cwd, env, id and token. */
  equals(other: Daemon): boolean {
    return commandEquals(this.command, other.command);
  }

  /**
   * S7: what a later supervisor needs to adopt the process: undefined unless
   * a process is supervised (or was left running by `close()`). A process
   * being stopped is still there, and so still in the snapshot, until its
   * exit is observed. The token is never in it, only a salted hash, made
   * once per daemon so that the snapshot of an unchanged daemon does not
   * change. It records the run's attempt and where its output begins, which
   * a restore carries on, and how the process is stopped (`stopSignal`,
   * `gracefulStopMs`, `killProcessGroup`), for a supervisor that has no
   * options for it.
   */
  snapshot(): DaemonSnapshot | undefined {
    const process = this.#process;
    if (process === undefined) return undefined;
    const { command, args = [], env = {}, cwd, id, token } = this.command;
    const { stopSignal, gracefulStopMs, killProcessGroup } = this.#options;
    if (token !== undefined) this.#tokenHash ??= hashToken(token);
    return {
      version: 1,
      pid: process.pid as Pid,
      startTime: this.startTimeOfCurrent(),
      bootId: this.#options.driver.system.bootId(),
      command,
      args: [...args],
      env: { ...env },
      ...(cwd === undefined ? {} : { cwd }),
      ...(id === undefined ? {} : { id }),
      ...(this.#tokenHash === undefined ? {} : { tokenHash: this.#tokenHash }),
      attempt: process.attempt,
      ...(process.outputStart === undefined ? {} : { outputStart: process.outputStart }),
      stopSignal,
      gracefulStopMs,
      killProcessGroup,
    };
  }

  /**
   * S8: a daemon already supervising the process a snapshot records, or a
   * Left saying why not (naming the bad field of a malformed input). The
   * input is anything: it is decoded, never trusted, and no signal is sent
   * while deciding. Give the same `token` the snapshotted command had.
   *
   * @example
   * const restored = Daemon.restore(JSON.parse(readFileSync('proxy.json', 'utf8')), { token: process.env.PROXY_TOKEN });
   * if (isRight(restored)) restored.right.events$.subscribe(console.log);
   */
  static restore(input: unknown, options: DaemonOptions & { readonly token?: string | undefined } = {}): Either<RestoreError, Daemon> {
    const { token, ...daemonOptions } = options;
    const driver = driverOf(daemonOptions.driver);
    return pipe(
      decodeSnapshot(input),
      chain((snapshot) => checkSnapshot(snapshot, driver, token)),
      map(({ command, adoptee, tokenHash }) => {
        const daemon = new Daemon(command, daemonOptions);
        daemon.#tokenHash = tokenHash;
        daemon.#begin(adoptee);
        return daemon;
      }),
    );
  }

  /** Starts the pipeline, adopting `adoptee` first when given. */
  #begin(adoptee: Adoptee | undefined): Either<DaemonError, void> {
    if (this.#phase === 'started') return right(undefined);
    if (this.#phase === 'stopping') return left(STOPPING);
    // Known before `adopted` is emitted, so a snapshot taken right after restore() holds it.
    if (adoptee !== undefined) this.#process = { pid: adoptee.pid, startTime: adoptee.startTime, attempt: adoptee.attempt ?? 0, outputStart: adoptee.outputStart };
    const ended = this.#current.status;
    if (ended === 'stopped' || ended === 'closed' || ended === 'gave-up' || ended === 'completed') return left(endedWith[ended]);
    this.#phase = 'started';
    const ending = (this.#ending = new AsyncSubject<Ending>());
    // Subscribed on the scheduler, so whoever subscribes to events$ right after start() sees the first event.
    this.#options.scheduler.schedule(() => {
      supervising$(this.command, this.#options, { ending, restart$: this.#restarts }, adoptee).subscribe({
        next: (event) => {
          this.publish(event);
        },
        error: (error: unknown) => {
          this.#phase = 'ended';
          this.#failure = { error };
          this.#events.error(error);
          this.#done?.reject(error);
        },
        complete: () => {
          this.finish();
        },
      });
    });
    return right(undefined);
  }

  #ask(ending: Ending): void {
    if (this.#ending !== undefined) askEnd(this.#ending, ending);
  }

  /** Resolves when the daemon has ended (rejects with the bug that ended it). */
  private ended(): Promise<void> {
    if (this.#done === undefined) {
      this.#done = deferred<undefined>();
      // stop() may be awaited by nobody; a bug surfacing through it must not also be an unhandled rejection.
      this.#done.promise.catch(() => undefined);
      if (this.#phase === 'ended') {
        if (this.#failure === undefined) this.#done.resolve(undefined);
        else this.#done.reject(this.#failure.error);
      }
    }
    return this.#done.promise;
  }

  private publish(event: DaemonEvent): void {
    this.track(event);
    this.#current = nextState(this.#current, event);
    this.#events.next(event);
  }

  private track(event: DaemonEvent): void {
    // An adopted process is current from restore() on (#begin).
    if (event.type === 'started') this.#process = { pid: event.pid, startTime: undefined, attempt: event.attempt, outputStart: event.outputStart };
    else if (event.type === 'exited') this.#process = undefined;
    // Released now: from here on only the start time tells this process from a later one with its pid.
    else if (event.type === 'closed') this.startTimeOfCurrent();
  }

  /**
   * The start time of the current process, read once and kept. Read lazily,
   * off the restart path: while a child of ours is current its exit has not
   * been observed, and Node observes an exit in the same callback that reaps
   * it, so its pid cannot belong to anyone else yet.
   */
  private startTimeOfCurrent(): string | null {
    const process = this.#process;
    if (process === undefined) return null;
    if (process.startTime === undefined) process.startTime = this.#options.driver.processes.probe(process.pid).startTime;
    return process.startTime;
  }

  private endBeforeStart(type: 'stopped' | 'closed'): void {
    this.publish(eventFactory(() => this.#options.scheduler.now(), this.command.id)(type, {}));
    this.finish();
  }

  private finish(): void {
    this.#phase = 'ended';
    this.#events.complete();
    this.#done?.resolve(undefined);
  }
}
