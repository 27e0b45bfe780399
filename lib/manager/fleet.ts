import { isRight, type Either } from 'fp-ts/lib/Either.js';
import { AsyncSubject, defer, Observable, Subject } from 'rxjs';
import type { Adoptee } from '../snapshot/adoptee.js';
import { Daemon } from '../daemon/daemon.js';
import { STOPPED } from '../daemon/cause.js';
import { isEnded } from '../daemon/state.js';
import { isTerminal, type DaemonEvent, type TerminalEvent } from '../events.js';
import { resolveOptions, type DaemonOptions, type ResolvedOptions } from '../options.js';
import type { Marked } from '../process/system-scans.js';
import type { RestoreError } from '../snapshot/restore-error.js';
import type { DataDir } from './data-dir.js';
import type { ControlFacts } from './control-plan.js';
import { carryOut$ } from './control-request.js';
import { Dependencies } from './dependencies.js';
import type { ControlDoneEvent, ControlRefusedEvent, ControlRequest, FleetEvent, ManagedDaemonEvent, ManagerEvent, Unstamped } from './events.js';
import { planReconcile, withRestoredStops } from './plan-reconcile.js';
import type { Found, Records } from './records.js';
import { Recorder } from './recorder.js';
import { RememberedCompletions } from './remembered-completions.js';
import { restoreRecorded, type RecordedStop } from './restore.js';
import { Retirement, stopped$ } from './retirement.js';
import { Room } from './room.js';
import { daemonOptionsOf, partsOf, type Service, type ServiceOptions } from './service.js';
import { stopAdopted$ } from './stop-adopted.js';

/** An entry of a desired set that cannot be run (a bad id, command or option, an `after` that cannot be met), and why. */
export interface Rejected {
  readonly id: string;
  readonly message: string;
}

/**
 * The set of daemons a manager runs, keyed by id: the coordinator of its
 * rooms. It acts on plans (M1), restores what an earlier manager recorded
 * (M4, M8, restore.ts), and ends by closing or killing (M5). Room admission
 * under the OS's limits (room.ts), the `after` gating (dependencies.ts),
 * the retirement of each id (retirement.ts: a daemon of an id waits for the
 * previous process of that id to be gone, so two never share a pid file, a
 * log or a record) and the completions not run again
 * (remembered-completions.ts) each keep their own state.
 */
export class Fleet {
  private readonly events = new Subject<ManagerEvent>();
  /** Every event of the fleet: its daemons', tagged with their ids, and its own. Errs only on a bug. */
  readonly events$ = this.events.asObservable();
  /** Pings whenever a record changed. */
  readonly changed$: Observable<void>;
  private readonly daemons = new Map<string, Daemon>();
  /** What each daemon of `daemons` runs, as the desired set said it (the reconcile compares these). */
  private readonly services = new Map<string, Service>();
  /**
   * Ids never to be started by this manager, and why: a process recorded
   * for each still runs, but it can neither be adopted nor stopped (another
   * user's, or hidden by /proc). Starting the id would run a second copy.
   */
  private readonly held = new Map<string, string>();
  /** Ids stopped by request (M9), held down until started again. */
  private readonly stoppedOnRequest = new Set<string>();
  /** The last desired set, for a start on request. */
  private desired: ReadonlyMap<string, Service> = new Map();
  private readonly room: Room;
  private readonly dependencies: Dependencies;
  private readonly retirement = new Retirement();
  private readonly recorder: Recorder;
  private readonly remembered: RememberedCompletions;

  /** `options` are every daemon's; with a data dir, each gets its own pid file and logs there, and its records are kept. */
  constructor(
    private readonly options: DaemonOptions & Pick<ResolvedOptions, 'driver' | 'scheduler'>,
    private readonly dataDir: DataDir | undefined,
    records: Records | undefined,
  ) {
    const { driver, scheduler } = options;
    this.recorder = new Recorder(records, driver.system);
    this.changed$ = this.recorder.changed$;
    this.remembered = new RememberedCompletions({ recorder: this.recorder, bootId: () => driver.system.bootId() });
    this.room = new Room({
      headroom: (wanted) => driver.system.headroom(wanted),
      scheduler,
      limitReached: this.emit,
      launch: (id) => {
        const service = this.desired.get(id);
        if (service !== undefined) this.launch(id, service);
      },
    });
    this.dependencies = new Dependencies({
      untilOf: (id) => (this.desired.get(id)?.oneshot === true ? 'complete' : 'ready'),
      heldOf: (id) => this.held.get(id),
      say: this.emit,
    });
  }

  /**
   * M1: brings the running set to `valid`, touching only the ids that
   * differ. Each entry of `rejected` is an `invalid-entry`; one whose id
   * the last set desired keeps what that set said for it: a mistake in a
   * new set never stops, replaces or releases what the last one had. After
   * a restore, `stoppingAtRestore` are the ids whose recorded process it is
   * stopping: they count as stopped (or, desired, replaced).
   */
  reconcile(valid: ReadonlyMap<string, Service>, rejected: readonly Rejected[] = [], stoppingAtRestore: ReadonlySet<string> = new Set()): void {
    const wanted = new Map(valid);
    for (const { id, message } of rejected) {
      const kept = this.desired.get(id);
      if (kept !== undefined) wanted.set(id, kept);
      this.emit({ type: 'invalid-entry', id, message: kept === undefined ? message : `${message}; kept as the last set had it` });
    }
    this.desired = wanted;
    // A service stopped on request, or held for room, that leaves the desired set is forgotten, its hold with it; it is
    // among what the reconcile stopped, so whoever folds the events (states$, status) lets it go too.
    const forgotten = [...this.stoppedOnRequest].filter((id) => !wanted.has(id));
    for (const id of forgotten) this.stoppedOnRequest.delete(id);
    const unheld = this.room.heldBut(wanted);
    const desired = new Map([...wanted].filter(([id]) => !this.held.has(id) && !this.stoppedOnRequest.has(id)));
    for (const [id, why] of this.held) {
      if (wanted.has(id)) this.emit({ type: 'invalid-entry', id, message: `not started: ${why}` });
    }
    const plan = withRestoredStops(planReconcile(this.services, desired), stoppingAtRestore);
    // A one-shot an earlier manager saw complete is kept as it is: it is not run again.
    const done = plan.start.filter((id) => this.remembered.of(id) !== undefined);
    const toStart = done.length === 0 ? plan.start : plan.start.filter((id) => this.remembered.of(id) === undefined);
    // A replacement takes the place of the process it stops; a new id (a held one too: it never ran) needs room of its own.
    const { start, held, headroom } = this.room.admit(toStart);
    // Announced first, so the events of the daemons it touches follow it.
    this.emit({ type: 'reconcile', started: start, stopped: [...plan.stop, ...forgotten, ...unheld], replaced: plan.replace, unchanged: plan.unchanged.length + done.length });
    // Never ran: stopped at once.
    for (const id of unheld) this.retire(id);
    this.room.hold(held, headroom);
    // Their room is kept before a stop below ends at once and a retry looks.
    for (const id of start) this.room.reserve(id);
    this.retireAll([...plan.stop, ...plan.replace]);
    for (const id of done) this.keepCompleted(id, desired.get(id));
    for (const id of [...plan.replace, ...start]) {
      const service = desired.get(id);
      if (service !== undefined) this.launch(id, service);
    }
  }

  /**
   * M4, M8: restores what an earlier manager of the data dir left (see
   * {@link restoreRecorded}) and the one-shots it saw complete, then runs
   * the first reconcile (with `rejected`, see {@link reconcile}).
   */
  restore(found: Pick<Found, 'daemons' | 'spawning' | 'completed'>, marked: readonly Marked[], desired: ReadonlyMap<string, Service>, rejected: readonly Rejected[] = []): void {
    const { adopted, stopping } = restoreRecorded(found, marked, desired, {
      driver: this.options.driver,
      killProcessGroup: this.options.killProcessGroup,
      say: this.emit,
      hold: (id, why) => this.held.set(id, why),
      forget: (id) => {
        this.recorder.set(id, undefined);
      },
      keep: (id, intent) => {
        this.recorder.keep(id, intent);
      },
      adopt: (id, entry, wanted) => this.adopt(id, entry, wanted),
      stop: (id, adoptee, stop) => {
        this.stopAdopted(id, adoptee, stop);
      },
    });
    this.remembered.remember(found.completed, desired, new Set(adopted));
    this.emit({ type: 'restored', adopted });
    this.reconcile(desired, rejected, stopping);
  }

  /** M9: carries out one request for one daemon, and emits what it came to (see {@link carryOut$}). */
  control(request: ControlRequest): Observable<ControlDoneEvent | ControlRefusedEvent> {
    return carryOut$(request, {
      events$: this.events$,
      scheduler: this.options.scheduler,
      factsOf: (id) => this.factsOf(id),
      stop: (id) => {
        this.stoppedOnRequest.add(id);
        this.retire(id);
      },
      restart: (id) => this.daemons.get(id)?.restart(),
      runAgain: (id) => this.runAgain(id),
    });
  }

  /** M5 close: detaches every daemon; completes once the stops already under way are done. */
  closeAll(): Observable<never> {
    return defer(() => {
      this.room.forget();
      for (const daemon of this.daemons.values()) daemon.close();
      return this.retirement.settled();
    });
  }

  /** M5 kill: stops every daemon, dependents before what they depend on, and forgets every one-shot's completion; completes when all are gone. */
  killAll(): Observable<never> {
    return defer(() => {
      this.room.forget();
      this.remembered.forgetAll();
      this.retireAll([...this.services.keys()]);
      return this.retirement.settled();
    });
  }

  /** Supervises the recorded process of a desired id again, run with the desired options (and order): it differs from the desired service only if its command does. */
  private adopt(id: string, entry: unknown, wanted: Service): Either<RestoreError, Daemon> {
    const { options } = partsOf(wanted);
    const restored = Daemon.restore(entry, { ...this.optionsFor(id, options), token: wanted.token });
    if (isRight(restored)) {
      this.services.set(id, { ...restored.right.command, ...options, ...(wanted.after === undefined ? {} : { after: wanted.after }) });
      this.follow(id, restored.right);
    }
    return restored;
  }

  /** What a request for `id` is planned from. */
  private factsOf(id: string): ControlFacts {
    const daemon = this.daemons.get(id);
    const held = this.held.get(id);
    const waiting = this.dependencies.causeOf(id);
    return {
      desired: this.desired.has(id),
      // A one-shot not run again is as one that completed.
      daemon: daemon !== undefined || this.remembered.of(id) !== undefined,
      live: daemon !== undefined && !isEnded(daemon.state),
      stoppedOnRequest: this.stoppedOnRequest.has(id),
      heldForRoom: this.room.holds(id),
      ...(held === undefined ? {} : { held }),
      ...(waiting === undefined ? {} : { waiting }),
    };
  }

  /**
   * Runs `id` again, as the desired set has it: after a stop on request, or
   * a new daemon in place of one that gave up or completed (with a fresh
   * attempt count), or one a limit held back. It needs room as a new id
   * does: while there is none, it is held, and the cause is returned.
   */
  private runAgain(id: string): string | undefined {
    this.stoppedOnRequest.delete(id);
    this.remembered.forget(id);
    // An ended daemon leaves nothing to stop: its place is taken at once.
    this.daemons.delete(id);
    return this.room.tryAgain(id);
  }

  /** A one-shot that is not run again: it is as it was, completed, and meets what starts after it. */
  private keepCompleted(id: string, service: Service | undefined): void {
    const completion = this.remembered.of(id);
    if (service === undefined || completion === undefined) return;
    this.services.set(id, service);
    this.dependencies.meet(id);
    this.emit({ type: 'already-completed', id, completedAt: completion.at });
  }

  /**
   * Runs a service of the desired set: at once, or once what it starts
   * after is met (see {@link Dependencies.enter}). Launched anew, what this
   * id met or how it ended is its last daemon's: what waits for it is
   * looked at again.
   */
  private launch(id: string, service: Service): void {
    this.services.set(id, service);
    this.room.reserve(id);
    const { waits, endedBefore } = this.dependencies.enter(id, service);
    if (!waits) this.spawn(id, service);
    if (endedBefore) this.reviewDependents(id);
  }

  /** Makes and starts the daemon of a service whose `after` is met, once the previous process of its id is gone. */
  private spawn(id: string, service: Service): void {
    const { command, options } = partsOf(service);
    const daemon = new Daemon(command, this.optionsFor(id, options));
    this.follow(id, daemon);
    // A daemon retired before its turn came was stopped before start: start() is then a Left, and nothing runs.
    this.retirement.whenGone(id, () => void daemon.start());
  }

  /**
   * Stops these ids, each only once what depends on it among them is gone
   * (dependents first, DESIGN's `after`). A service still waiting for its
   * dependencies never ran: it is stopped at once.
   */
  private retireAll(ids: readonly string[]): void {
    const leaving = new Map(ids.flatMap((id): [string, Service][] => { const service = this.services.get(id); return service === undefined ? [] : [[id, service]]; }));
    this.retirement.inOrder(leaving, (id, after$) => {
      this.retire(id, after$);
    });
  }

  private retire(id: string, after$?: Observable<never>): void {
    this.services.delete(id);
    this.room.counted(id);
    this.remembered.forget(id);
    // Never ran: stopped at once.
    if (this.dependencies.leave(id) || this.room.unhold(id)) {
      this.emit({ type: 'stopped', id, at: this.options.scheduler.now() });
      this.stoppedUnmet(id);
      return;
    }
    const daemon = this.daemons.get(id);
    // One that ended, or a one-shot not run again, tells no more of itself: what waits for it is told now.
    if (daemon === undefined || isEnded(daemon.state)) this.stoppedUnmet(id);
    if (daemon === undefined) return;
    this.daemons.delete(id);
    this.retirement.chain(id, stopped$(daemon), after$);
  }

  /**
   * Stops a live process that is not to be kept, without ever respawning it;
   * it stays recorded until it is gone. `stop` is how its record says to
   * stop it, over the manager's options.
   */
  private stopAdopted(id: string, adoptee: Adoptee, stop: RecordedStop = {}): void {
    const gone$ = new AsyncSubject<never>();
    stopAdopted$(id, adoptee, resolveOptions({ ...this.optionsFor(id), ...stop })).subscribe({
      next: (event) => {
        this.emit(event);
        if (event.type === 'exited') this.recorder.set(id, undefined);
      },
      error: (error: unknown) => {
        gone$.error(error);
      },
      complete: () => {
        gone$.complete();
        this.room.retry();
      },
    });
    this.retirement.chain(id, gone$);
  }

  private follow(id: string, daemon: Daemon): void {
    this.daemons.set(id, daemon);
    daemon.events$.subscribe({
      next: (event) => {
        this.track(id, event);
        // M8: the record first, before anything else is done with the process.
        this.recorder.see(id, event, () => daemon.snapshot());
        // A task done is recorded before it is told: a manager killed at its `completed` never runs it again.
        if (event.type === 'completed' && this.dependencies.meets(id)) this.recordCompletion(id, daemon, event.at);
        this.emit(event);
        // What waited for it, once its readiness (or its end) is told.
        if (event.type === 'ready') this.reviewDependents(id);
        if (isTerminal(event)) this.ended(id, event, daemon);
        // M8: the intent last of all, after every handler of the event, so that only the spawn's own steps lie between it and the fork.
        if (event.type === 'spawning') this.recorder.intend(id, daemon.command);
      },
      // A daemon errs only on a bug (a restart policy that throws, say): the manager's stream carries it.
      error: (error: unknown) => {
        this.events.error(error);
      },
    });
  }

  /** Keeps which ids meet an `after` (a ready daemon, a one-shot completed with exit code 0), and which have a process the OS counts. */
  private track(id: string, event: DaemonEvent): void {
    if (event.type === 'started' || event.type === 'spawn-failed' || isTerminal(event)) this.room.counted(id);
    this.dependencies.see(id, event, this.services.get(id)?.oneshot === true);
  }

  /**
   * A daemon of `id` ended: a one-shot that completed with exit code 0
   * meets what waits for it (see {@link track}); any other end of one but
   * a stop or close the manager made (a reconcile, a replacement, its own
   * end) leaves what waits for it waiting, told how. Its processes are
   * gone: room is freed for what a limit holds.
   */
  private ended(id: string, event: TerminalEvent, daemon: Daemon): void {
    const cause = daemon.state.cause ?? event.type;
    if (event.type === 'completed') {
      if (this.dependencies.meets(id)) this.reviewDependents(id);
      else this.dependencies.endedUnmet(id, { how: 'completed', cause });
    } else if (event.type === 'gave-up') this.dependencies.endedUnmet(id, { how: 'gave-up', cause });
    else if (event.type === 'stopped') this.stoppedUnmet(id);
    this.room.retry();
  }

  /** `id`, stopped on request, meets nothing until it runs again: what waits for it is told so. */
  private stoppedUnmet(id: string): void {
    if (this.stoppedOnRequest.has(id)) this.dependencies.endedUnmet(id, { how: 'stopped', cause: STOPPED });
  }

  /** A one-shot's completion with exit code 0, recorded: the completion of the id's own daemon, not of one being retired, so that what is recorded is its definition's. */
  private recordCompletion(id: string, daemon: Daemon, at: number): void {
    const service = this.services.get(id);
    if (service !== undefined && this.daemons.get(id) === daemon) this.remembered.record(id, service, at);
  }

  /** What waits for `id`, looked at again: launched when it waits no more, else its wait said anew. */
  private reviewDependents(id: string): void {
    for (const [waiting, service] of this.dependencies.waitingFor(id)) this.launch(waiting, service);
  }

  /** The manager's options for the daemon of `id`, the service's own over them (see {@link daemonOptionsOf}). */
  private optionsFor(id: string, own: ServiceOptions = {}): DaemonOptions {
    return daemonOptionsOf(id, own, this.options, this.dataDir);
  }

  /** A daemon's event as it is (every daemon of a manager is given its id, so every event of one has it); one of the manager's own, stamped now. */
  private readonly emit = (event: DaemonEvent | Unstamped<FleetEvent>): void => {
    this.events.next('at' in event ? (event as ManagedDaemonEvent) : { ...event, at: this.options.scheduler.now() });
  };
}
