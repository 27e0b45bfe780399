import { isLeft, type Either } from 'fp-ts/lib/Either.js';
import { asyncScheduler, BehaviorSubject, defer, distinctUntilChanged, filter, firstValueFrom, ignoreElements, map, ReplaySubject, Subject, switchMap, tap, type Observable, type SchedulerLike } from 'rxjs';
import type { DaemonState } from '../daemon/state.js';
import { deferred, type Deferred } from '../deferred.js';
import type { ControlError, ControlOutcome } from './control-outcome.js';
import { resultOf, settles } from './control-result.js';
import { isManagerTerminal, type ControlRequest, type ManagerClosedEvent, type ManagerEvent, type ManagerStoppedEvent } from './events.js';
import { StatesFeed } from './states-feed.js';
import { outputLines$, type OutputStream } from '../output/output-lines.js';
import type { FileSource } from '../fs/file-source.js';
import { withLines, type OutputLine, type Outputs } from '../output/with-lines.js';
import type { Stdio } from '../process/spawn-spec.js';
import { DataDir } from './data-dir.js';
import { checkId } from './ids.js';
import { driverOf } from '../options.js';
import { manageFolding, type ManagerOptions } from './manage.js';
import { outputOf, type DesiredSet } from './service.js';
import { codedError } from '../errno.js';

/** A manager that ended other than as asked: refused at start (its code), ended already the other way (a kill after a close: EENDED), or a bug. */
const endedOtherwise = (last: ManagerEvent | undefined): Error => {
  if (last?.type === 'manager-refused') return codedError(last.code, `the manager was refused: ${last.message}`);
  if (last !== undefined) return codedError('EENDED', `the manager had already ended (${last.type})`);
  return new Error('the manager ended without closing or stopping');
};

// A request of a manager that never ran is a bug in the caller: run() comes first.
const NEVER_RUN = 'the manager was never run: call run() first';

/** Where service `id` of a desired set writes (see {@link outputOf}); undefined when no set names it yet, or the set does not. */
const outputsIn = (desired: DesiredSet | undefined, id: string, dataDir: DataDir | undefined): Outputs | undefined => {
  if (desired === undefined || !Object.hasOwn(desired, id)) return undefined;
  const service = desired[id] ?? {};
  return { stdout: outputOf('stdout', id, service, dataDir), stderr: outputOf('stderr', id, service, dataDir) };
};

/** Whether two outputs are the same file, or the same output that is none. */
const sameOutput = (a: Stdio | undefined, b: Stdio | undefined): boolean => (typeof a === 'object' && typeof b === 'object' ? a.file === b.file : a === b);

/**
 * The imperative face of {@link manage}: `run` starts it, `close` detaches
 * every daemon (they keep running, the records keep them), `kill` stops
 * them all; `restart`, `stop` and `start` act on one daemon (M9).
 * `events$` is hot; nothing is emitted inside `run()`, so a subscriber
 * right after it sees every event from the first.
 *
 * @example
 * const desired$ = new BehaviorSubject<DesiredSet>({ web: { command: 'envoy', args: ['-c', 'web.yaml'] } });
 * const manager = new Manager(desired$, { dataDir: '/var/lib/agent/daemons' });
 * manager.events$.subscribe((event) => console.log(event.type));
 * manager.run();
 * process.on('SIGTERM', () => void manager.close().then(() => process.exit(0)));
 */
export class Manager {
  /** Every event of every daemon, and the manager's own; completes after the terminal one. */
  readonly events$: Observable<ManagerEvent>;
  /**
   * The state of every daemon, by id; the latest is replayed to each new
   * subscriber, also after the end. One map per burst of events (on the
   * scheduler, right after it), not one per event: a spawn, its start and
   * its readiness in one moment are one change, and a reconcile of 10,000
   * daemons one map rather than 10,000 copies. A map is sent at once, too,
   * before `start`, `stop`, `restart`, `close` or `kill` resolves, so what
   * they say is done, `states$` shows by then.
   */
  readonly states$: Observable<ReadonlyMap<string, DaemonState>>;
  readonly #events = new Subject<ManagerEvent>();
  /** The one fold of the states (control.sock's status reads it too), and `states$`'s copies of it. */
  readonly #states: StatesFeed;
  /** How the manager is asked to end (M5), replayed: `close()` or `kill()` may come before `run()` subscribed. */
  readonly #ending$ = new ReplaySubject<'close' | 'kill'>();
  readonly #control$ = new Subject<ControlRequest>();
  /** Undefined until `run()`; then resolves with the terminal event once the manager has ended. */
  #done: Deferred<ManagerEvent | undefined> | undefined;
  readonly #managed$: Observable<ManagerEvent>;
  readonly #scheduler: SchedulerLike;
  readonly #output: { readonly dataDir: DataDir | undefined; readonly source: FileSource };
  /** The latest desired set, once `run()` brought one: where each service's output goes. Completes when the manager ends. */
  readonly #desired = new BehaviorSubject<DesiredSet | undefined>(undefined);

  /** Checks the options at once (a TypeError naming the bad one); nothing runs until {@link run}. */
  constructor(desired$: Observable<DesiredSet>, options: Omit<ManagerOptions, 'close$' | 'kill$' | 'control$'> = {}) {
    // manage() checks its options when called, and runs only once subscribed.
    const remembered$ = desired$.pipe(
      tap((desired) => {
        this.#desired.next(desired);
      }),
    );
    this.#scheduler = options.scheduler ?? asyncScheduler;
    this.#states = new StatesFeed(this.#scheduler);
    const asked = (ending: 'close' | 'kill'): Observable<unknown> => this.#ending$.pipe(filter((next) => next === ending));
    this.#managed$ = manageFolding(remembered$, { ...options, close$: asked('close'), kill$: asked('kill'), control$: this.#control$ }, this.#states);
    this.#output = { dataDir: options.dataDir === undefined ? undefined : new DataDir(options.dataDir), source: driverOf(options.driver).files.output };
    this.events$ = this.#events.asObservable();
    this.states$ = this.#states.states$;
  }

  /** Starts managing, on the scheduler (nothing is emitted inside `run()`). Idempotent. */
  run(): void {
    if (this.#done !== undefined) return;
    const done = deferred<ManagerEvent | undefined>();
    this.#done = done;
    // Nobody may wait for the end; a bug surfacing through it must not also be an unhandled rejection.
    done.promise.catch(() => undefined);
    let last: ManagerEvent | undefined;
    this.#scheduler.schedule(() => {
      this.#managed$.subscribe({
        next: (event) => {
          if (isManagerTerminal(event)) last = event;
          this.#events.next(event);
        },
        error: (error: unknown) => {
          this.#events.error(error);
          this.#states.error(error);
          this.#desired.complete();
          done.reject(error);
        },
        complete: () => {
          this.#states.send();
          // lines$ read their files to the end, then complete: before close() or kill() resolves.
          this.#events.complete();
          this.#desired.complete();
          this.#states.complete();
          done.resolve(last);
        },
      });
    });
  }

  /**
   * M5: detaches every daemon and writes the final records. Resolves with
   * `manager-closed`; rejects with a coded Error when the manager ended
   * otherwise (refused at start: its code; stopped already: EENDED), and
   * with a TypeError when it was never run.
   */
  close(): Promise<ManagerClosedEvent> {
    this.#ending$.next('close');
    return this.#endedWith('manager-closed');
  }

  /** M5: stops every daemon and empties the records. Resolves with `manager-stopped`; rejects as {@link close} does when the manager ended otherwise. */
  kill(): Promise<ManagerStoppedEvent> {
    this.#ending$.next('kill');
    return this.#endedWith('manager-stopped');
  }

  /**
   * M9: restarts one daemon: a graceful stop, then an immediate spawn; one
   * that gave up or completed is revived, as a new daemon with a fresh
   * attempt count. Resolves at its new process's `started` with
   * `restarted`; with a Left when it cannot (`EREFUSED`: not desired,
   * stopped on request, not started yet; `ESPAWN`: the new process failed
   * to spawn; `EENDED`: the manager ended first). Rejects, with a
   * TypeError, only when the manager was never run.
   *
   * @example
   * const manager = new Manager(of({ web: { command: 'envoy', args: ['-c', 'web.yaml'] } }));
   * manager.run();
   * const restarted = await manager.restart('web');
   * if (isLeft(restarted)) console.error(restarted.left.message);
   */
  restart(id: string): Promise<Either<ControlError, ControlOutcome>> {
    return this.#request({ type: 'restart', id });
  }

  /**
   * M9: stops one daemon, and holds it down (through later desired sets
   * too) until {@link start}. Resolves once it is stopped with `stopped`,
   * at once with `already-stopped` when nothing of it runs (stopped
   * already, gave up, completed); a Left when it is not desired, or the
   * manager ended first.
   */
  stop(id: string): Promise<Either<ControlError, ControlOutcome>> {
    return this.#request({ type: 'stop', id });
  }

  /**
   * M9: runs a daemon again: one held down by {@link stop}, one that gave
   * up or completed (revived, with a fresh attempt count), one a limit of
   * the OS holds back (tried at once). Resolves with `started` at its
   * process's `started`, or once it waits for its `after` (`states$` says
   * so by then); at once with `already-running` when it is under way (a
   * backoff and a wait for its `after` included). A Left when it cannot:
   * not desired, held, no room under a limit (`EREFUSED`), a failed spawn
   * (`ESPAWN`), the manager's end (`EENDED`).
   */
  start(id: string): Promise<Either<ControlError, ControlOutcome>> {
    return this.#request({ type: 'start', id });
  }

  /**
   * The lines daemon `id` writes to its `stdout` or `stderr` from now on, as
   * they arrive, read from its file (its log in the data dir, or the
   * service's own `{ file }`): they go on across its restarts and
   * replacements. The file is the one the latest desired set that holds
   * `id` gives it: lines come once `run()` brought such a set, and from the
   * new file once a later set moves the service's output. They complete
   * when the manager ends (closed, stopped), once the file is read to its
   * end, before `close()` or `kill()` resolves; subscribed after the end,
   * at once. An invalid id is a TypeError thrown at once; an output that is
   * not a file, a TypeError the stream errors with.
   *
   * @example
   * const manager = new Manager(of({ web: { command: 'envoy', args: ['-c', 'web.yaml'] } }), { dataDir: '/var/lib/agent/daemons' });
   * manager.run();
   * manager.lines$('web', 'stderr').subscribe((line) => console.log(`web: ${line}`));
   */
  lines$(id: string, stream: OutputStream): Observable<string> {
    const checked = checkId(id);
    if (isLeft(checked)) throw new TypeError(checked.left);
    const { dataDir, source } = this.#output;
    return this.#desired.pipe(
      map((desired) => outputsIn(desired, id, dataDir)),
      // A set without the service says nothing of where it writes.
      filter((outputs) => outputs !== undefined),
      map((outputs) => outputs[stream]),
      distinctUntilChanged(sameOutput),
      switchMap((target) => outputLines$(stream, target, { scheduler: this.#scheduler, source, until: this.#events.pipe(ignoreElements()) })),
    );
  }

  /**
   * Every event of the manager, and every line its daemons write (an
   * `OutputLine`: `{ type: 'line', at, id, stream, text }`), in one stream,
   * in the order a person reads them: every line a run wrote comes before
   * that run's `exited` (see `withLines`). A daemon's lines are read from
   * its files as the latest desired set names them (its logs in the data
   * dir, or its service's own `{ file }`; an output that is no file has
   * none), from the subscription on for the services desired then, and
   * from the spawn on for the rest. Completes after the manager's terminal
   * event, once every file is read to its end.
   *
   * @example
   * const manager = new Manager(of({ web: { command: 'envoy', args: ['-c', 'web.yaml'] } }), { dataDir: '/var/lib/agent/daemons' });
   * manager.eventsAndLines$().subscribe((shown) => console.log(shown.type === 'line' ? `[${shown.id ?? ''}] ${shown.text}` : shown.type));
   * manager.run();
   */
  eventsAndLines$(): Observable<ManagerEvent | OutputLine> {
    const { dataDir, source } = this.#output;
    // No desired set names it (a restored daemon about to be stopped): nothing says where it writes.
    const outputsOf = (id: string | undefined): Outputs => (id === undefined ? undefined : outputsIn(this.#desired.value, id, dataDir)) ?? {};
    return defer(() => this.#events.pipe(withLines({ outputsOf, watching: Object.keys(this.#desired.value ?? {}), scheduler: this.#scheduler, source })));
  }

  /** Resolves with the terminal event (`manager-closed`, `manager-stopped`, `manager-refused`) once the manager has ended; undefined if it never ran. */
  ended(): Promise<ManagerEvent | undefined> {
    return this.#done?.promise ?? Promise.resolve(undefined);
  }

  async #endedWith<T extends 'manager-closed' | 'manager-stopped'>(type: T): Promise<Extract<ManagerEvent, { type: T }>> {
    if (this.#done === undefined) throw new TypeError(NEVER_RUN);
    const last = await this.#done.promise;
    if (last?.type !== type) throw endedOtherwise(last);
    return last as Extract<ManagerEvent, { type: T }>;
  }

  /** Sends a request and resolves with what it came to, at the event that settles it (see {@link settles}); rejects only when the manager was never run. */
  async #request(request: ControlRequest): Promise<Either<ControlError, ControlOutcome>> {
    if (this.#done === undefined) throw new TypeError(NEVER_RUN);
    const settled = firstValueFrom(this.#events.pipe(filter(settles(request))), { defaultValue: undefined });
    this.#control$.next(request);
    const event = await settled;
    // What the promise says is done, states$ shows from then on, not only once the burst ends.
    this.#states.send();
    return resultOf(request, event);
  }
}
