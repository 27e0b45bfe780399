import { chain, left, map, right, type Either } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { AsyncSubject, filter, firstValueFrom, ignoreElements, Observable, Subject } from 'rxjs';
import { checkCommand, commandEquals, type Command } from '../command.js';
import { codedError } from '../errno.js';
import { eventFactory, isTerminal, isTerminalType, type DaemonEvent } from '../events.js';
import { driverOf, resolveDaemonOptions, type DaemonOptions, type ResolvedOptions } from '../options.js';
import { outputLines$, type OutputStream } from '../output/output-lines.js';
import { checkSnapshot, decodeSnapshot } from '../snapshot/check-snapshot.js';
import type { DaemonSnapshot } from '../snapshot/codec.js';
import type { RestoreError } from '../snapshot/restore-error.js';
import { hashToken } from '../snapshot/token-hash.js';
import type { Adoptee } from '../snapshot/adoptee.js';
import { adoptedCurrent, currentAfter, snapshotOf, withStartTime, type CurrentProcess } from './current-process.js';
import { ENDED_WITH, STOPPING, type DaemonError } from './daemon-error.js';
import { lifecycle$ } from './lifecycle.js';
import { askEnd, type Ending } from './requests.js';
import { initialState, nextState, type DaemonState, type DaemonStatus } from './state.js';

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
  /** Every lifecycle event, hot; completes (or errs, on a bug) after the terminal one, and tells a late subscriber so at once. */
  readonly events$: Observable<DaemonEvent>;
  /** The current state, replayed to each new subscriber, also after the daemon ended. */
  readonly state$: Observable<DaemonState>;
  readonly command: Command;

  readonly #options: ResolvedOptions;
  readonly #events = new Subject<DaemonEvent>();
  /** The ending asked of the life; a stop asked for before the life is subscribed still reaches it (replayed). */
  readonly #ending = new AsyncSubject<Ending>();
  /** Restarts asked of the life. */
  readonly #restarts = new Subject<void>();
  /** Where the facade stands: before `start()`, the life under way, a stop asked for, or ended. */
  #phase: 'new' | 'started' | 'stopping' | 'ended' = 'new';
  /** The fold of the events. */
  #state: DaemonState = initialState;
  /** The process supervised now, for snapshots. */
  #current: CurrentProcess | undefined;
  /** The token's salted hash, made once per daemon so that the snapshot of an unchanged daemon does not change. */
  #tokenHash: string | undefined;

  constructor(command: Command, options?: DaemonOptions) {
    this.command = checkCommand(command);
    this.#options = resolveDaemonOptions(options);
    this.events$ = this.#events.asObservable();
    // Replayed by reading the fold, not by keeping a subject per daemon; after the end, events$ completes (or errs) at once.
    this.state$ = new Observable<DaemonState>((subscriber) => {
      subscriber.next(this.#state);
      return this.#events.subscribe({
        next: () => {
          subscriber.next(this.#state);
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
    return this.#state;
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
    if (this.#phase === 'new') this.#endBeforeStart('stopped');
    else if (this.#phase === 'started') {
      this.#phase = 'stopping';
      askEnd(this.#ending, 'stop');
    }
    return this.#ended();
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
    if (this.#phase !== 'started') return Promise.reject(codedError('ENOTRUNNING', `cannot restart a daemon that ${this.#phase === 'new' ? 'is not started' : this.#phase === 'stopping' ? 'is being stopped' : endedAs(this.#state.status)}`));
    const restarted = firstValueFrom(this.#events.pipe(filter((event) => event.type === 'started' || event.type === 'spawn-failed' || isTerminal(event))));
    this.#restarts.next();
    return restarted.then((event) => {
      if (isTerminal(event)) throw codedError('EENDED', `the daemon ended (${event.type}) before it restarted`);
    });
  }

  /** S4: stops supervising and leaves the process running; the pid file stays. */
  close(): void {
    if (this.#phase === 'new') this.#endBeforeStart('closed');
    else if (this.#phase === 'started') askEnd(this.#ending, 'close');
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
   * exit is observed. The token is never in it, only a salted hash. It
   * records the run's attempt and where its output begins, which a restore
   * carries on, and how the process is stopped.
   */
  snapshot(): DaemonSnapshot | undefined {
    const current = withStartTime(this.#current, this.#options.driver);
    this.#current = current;
    if (current === undefined) return undefined;
    const { token } = this.command;
    if (token !== undefined) this.#tokenHash ??= hashToken(token);
    return snapshotOf(this.command, this.#options, current, this.#tokenHash);
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

  /** Starts the life, adopting `adoptee` first when given. */
  #begin(adoptee: Adoptee | undefined): Either<DaemonError, void> {
    if (this.#phase === 'started') return right(undefined);
    if (this.#phase === 'stopping') return left(STOPPING);
    if (adoptee !== undefined) this.#current = adoptedCurrent(adoptee);
    const { status } = this.#state;
    if (isTerminalType(status)) return left(ENDED_WITH[status]);
    this.#phase = 'started';
    // Subscribed on the scheduler, so whoever subscribes to events$ right after start() sees the first event.
    this.#options.scheduler.schedule(() => {
      lifecycle$(this.command, this.#options, { ending: this.#ending, restart$: this.#restarts }, adoptee).subscribe({
        next: (event) => {
          this.#publish(event);
        },
        error: (error: unknown) => {
          this.#phase = 'ended';
          this.#events.error(error);
        },
        complete: () => {
          this.#finish();
        },
      });
    });
    return right(undefined);
  }

  /** Resolves when the daemon has ended, rejects with the bug that ended it: events$ says so, at once once it has. */
  #ended(): Promise<void> {
    const ended = new Promise<void>((resolve, reject) => {
      this.#events.subscribe({ error: reject, complete: resolve });
    });
    // stop() may be awaited by nobody; a bug surfacing through it must not also be an unhandled rejection.
    ended.catch(() => undefined);
    return ended;
  }

  #publish(event: DaemonEvent): void {
    this.#current = currentAfter(this.#current, event, this.#options.driver);
    this.#state = nextState(this.#state, event);
    this.#events.next(event);
  }

  #endBeforeStart(type: 'stopped' | 'closed'): void {
    this.#publish(eventFactory(() => this.#options.scheduler.now(), this.command.id)(type, {}));
    this.#finish();
  }

  #finish(): void {
    this.#phase = 'ended';
    this.#events.complete();
  }
}
