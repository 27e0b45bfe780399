import { isRight, type Either } from 'fp-ts/lib/Either.js';
import { defer, Observable, Subject } from 'rxjs';
import type { Adoptee } from '../snapshot/adoptee.js';
import type { Daemon } from '../daemon/daemon.js';
import { isEnded } from '../daemon/state.js';
import type { DaemonEvent } from '../events.js';
import type { DaemonOptions, ResolvedOptions } from '../options.js';
import type { Marked } from '../process/system-scans.js';
import type { RestoreError } from '../snapshot/restore-error.js';
import type { DataDir } from './data-dir.js';
import type { ControlFacts } from './control-plan.js';
import { carryOut$ } from './control-request.js';
import { ControlState } from './control-state.js';
import { Dependencies } from './dependencies.js';
import type { ControlDoneEvent, ControlRefusedEvent, ControlRequest, FleetEvent, ManagedDaemonEvent, ManagerEvent, Unstamped } from './events.js';
import { followDaemon, type FollowPorts } from './follow-daemon.js';
import type { Found, Records } from './records.js';
import { Recorder } from './recorder.js';
import { RememberedCompletions } from './remembered-completions.js';
import { restoreRecorded, type RecordedStop } from './restore.js';
import { Retirement, stopped$ } from './retirement.js';
import { Room } from './room.js';
import { Roster } from './roster.js';
import { recordedCgroupsOf } from './recorded-cgroup.js';
import { outsideScopeCgroups, sweepScope } from './scope-sweep.js';
import type { Service } from './service.js';
import type { ServiceCgroups } from './service-cgroups.js';
import { stopAdoptedNow } from './stop-adopted.js';
import { wantedOf, type Rejected } from './wanted.js';

/**
 * The set of daemons a manager runs, keyed by id: the coordinator of its
 * rooms. It reconciles (M1, the plan from wanted.ts), restores what an
 * earlier manager recorded (M4, M8, restore.ts), carries out control
 * requests (M9) and ends by closing or killing (M5). Each room keeps its
 * own state: the daemons (roster.ts), holds and stops on request
 * (control-state.ts), room under the OS's limits (room.ts), the `after`
 * gating (dependencies.ts), the retirement of each id (retirement.ts), the
 * completions not run again (remembered-completions.ts); a daemon's events
 * reach them through follow-daemon.ts.
 */
export class Fleet {
  private readonly events = new Subject<ManagerEvent>();
  /** Every event of the fleet: its daemons', tagged with their ids, and its own. Errs only on a bug. */
  readonly events$ = this.events.asObservable();
  /** Pings whenever a record changed. */
  readonly changed$: Observable<void>;
  /** The daemons, and what each id runs. */
  private readonly roster: Roster;
  /** What keeps an id down other than the desired set: a hold, a stop on request. */
  private readonly controlState = new ControlState();
  /** The last desired set, for a start on request. */
  private desired: ReadonlyMap<string, Service> = new Map();
  private readonly room: Room;
  private readonly dependencies: Dependencies;
  private readonly retirement = new Retirement();
  private readonly recorder: Recorder;
  private readonly remembered: RememberedCompletions;
  /** What every daemon's events reach (see {@link followDaemon}). */
  private readonly following: FollowPorts;

  /** `options` are every daemon's; with a data dir, each gets its own pid file and logs there, and its records are kept; each runs in its cgroup of `cgroups`. */
  constructor(
    private readonly options: DaemonOptions & Pick<ResolvedOptions, 'driver' | 'scheduler'>,
    dataDir: DataDir | undefined,
    records: Records | undefined,
    private readonly cgroups: ServiceCgroups,
  ) {
    const { driver, scheduler } = options;
    this.roster = new Roster(options, dataDir, cgroups);
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
      heldOf: (id) => this.controlState.held.get(id),
      say: this.emit,
    });
    const { room, dependencies, recorder, roster, remembered, controlState, emit } = this;
    this.following = {
      room, dependencies, recorder, roster, remembered, controlState, emit,
      review: this.reviewDependents,
      fail: (error) => { this.events.error(error); },
    };
  }

  /**
   * M1: brings the running set to `valid`, touching only the ids that
   * differ, as {@link wantedOf} decides (`rejected` and, after a restore,
   * `stoppingAtRestore` too).
   */
  reconcile(valid: ReadonlyMap<string, Service>, rejected: readonly Rejected[] = [], stoppingAtRestore: ReadonlySet<string> = new Set()): void {
    const { wanted, invalid, forgotten, desired, plan, done, toStart } = wantedOf({
      valid, rejected, last: this.desired, running: this.roster.running, held: this.controlState.held, stoppedOnRequest: this.controlState.stoppedOnRequest, stoppingAtRestore,
      completedBefore: (id) => this.remembered.of(id) !== undefined,
    });
    for (const event of invalid) this.emit(event);
    this.desired = wanted;
    // A refused id kept as the last set had it still runs: only one with nothing kept is never started.
    this.dependencies.refuse(rejected.filter(({ id }) => !wanted.has(id)));
    // A service stopped on request, or held for room, that leaves the desired set is forgotten, its hold with it; it is
    // among what the reconcile stopped, so whoever folds the events (states$, status) lets it go too.
    for (const id of forgotten) this.controlState.release(id);
    const unheld = this.room.heldBut(wanted);
    // A replacement takes the place of the process it stops; a new id (a held one too: it never ran) needs room of its own.
    const { start, held, headroom } = this.room.admit(toStart);
    // Announced first, so the events of the daemons it touches follow it.
    this.emit({ type: 'reconcile', started: start, stopped: [...plan.stop, ...forgotten, ...unheld], replaced: plan.replace, unchanged: plan.unchanged.length + done.length });
    // Never ran: stopped at once.
    for (const id of unheld) this.retire(id);
    this.room.hold(held, headroom);
    // Their room is kept before a stop below ends at once and a retry looks.
    for (const id of start) this.room.reserve(id);
    this.retireAll([...plan.stop, ...plan.replace]); // an id that left the set leaves its cgroup once its processes are gone, unless it came back
    for (const id of [...plan.stop, ...forgotten, ...unheld]) this.retirement.whenGone(id, () => { if (!this.desired.has(id)) this.cgroups.remove(id); });
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
    const listed = this.cgroups.listed(recordedCgroupsOf(found.daemons));
    const { adopted, stopping } = restoreRecorded(found, outsideScopeCgroups(marked, this.cgroups, listed), desired, {
      driver: this.options.driver,
      killProcessGroup: this.options.killProcessGroup,
      say: this.emit,
      hold: this.controlState.hold,
      forget: (id) => { this.recorder.set(id, undefined); },
      keep: this.recorder.keep,
      adopt: (id, entry, wanted) => this.adopt(id, entry, wanted),
      stop: this.stopAdopted,
    });
    sweepScope(this.cgroups, listed, { adopted, desired: (id) => desired.has(id), chain: (id, gone$) => { this.retirement.chain(id, gone$); } });
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
        this.controlState.stop(id);
        this.retire(id);
      },
      restart: (id) => this.roster.daemonOf(id)?.restart(),
      runAgain: (id) => this.runAgain(id),
    });
  }

  /** M5 close: detaches every daemon; completes once the stops already under way are done. */
  closeAll(): Observable<never> {
    return defer(() => {
      this.room.forget();
      this.roster.closeAll();
      return this.retirement.settled();
    });
  }

  /** M5 kill: stops every daemon, dependents before what they depend on, and forgets every one-shot's completion; completes when all are gone. */
  killAll(): Observable<never> {
    return defer(() => {
      this.room.forget();
      this.remembered.forgetAll();
      this.retireAll([...this.roster.running.keys()]);
      return this.retirement.settled();
    });
  }

  /** Supervises the recorded process of a desired id again (see {@link Roster.adopt}). */
  private adopt(id: string, entry: unknown, wanted: Service): Either<RestoreError, Daemon> {
    const restored = this.roster.adopt(id, entry, wanted);
    if (isRight(restored)) followDaemon(id, restored.right, this.following);
    return restored;
  }

  /** What a request for `id` is planned from. */
  private factsOf(id: string): ControlFacts {
    const daemon = this.roster.daemonOf(id);
    return this.controlState.factsOf(id, {
      desired: this.desired.has(id),
      // A one-shot not run again is as one that completed.
      daemon: daemon !== undefined || this.remembered.of(id) !== undefined,
      live: daemon !== undefined && !isEnded(daemon.state),
      heldForRoom: this.room.holds(id),
      waiting: this.dependencies.causeOf(id),
    });
  }

  /**
   * Runs `id` again, as the desired set has it: after a stop on request, or
   * a new daemon in place of one that gave up or completed (with a fresh
   * attempt count), or one a limit held back. It needs room as a new id
   * does: while there is none, it is held, and the cause is returned.
   */
  private runAgain(id: string): string | undefined {
    this.controlState.release(id);
    this.remembered.forget(id);
    // An ended daemon leaves nothing to stop: its place is taken at once.
    this.roster.drop(id);
    return this.room.tryAgain(id);
  }

  /** A one-shot that is not run again: it is as it was, completed, and meets what starts after it. */
  private keepCompleted(id: string, service: Service | undefined): void {
    const completion = this.remembered.of(id);
    if (service === undefined || completion === undefined) return;
    this.roster.enter(id, service);
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
    this.roster.enter(id, service);
    this.room.reserve(id);
    const { waits, endedBefore } = this.dependencies.enter(id, service);
    if (!waits) this.spawn(id, service);
    if (endedBefore) this.reviewDependents(id);
  }

  /** Makes and starts the daemon of a service whose `after` is met, once the previous process of its id is gone. */
  private spawn(id: string, service: Service): void {
    const daemon = this.roster.make(id, service);
    followDaemon(id, daemon, this.following);
    // A daemon retired before its turn came was stopped before start: start() is then a Left, and nothing runs.
    this.retirement.whenGone(id, () => void daemon.start());
  }

  /**
   * Stops these ids, each only once what depends on it among them is gone
   * (dependents first, DESIGN's `after`). A service still waiting for its
   * dependencies never ran: it is stopped at once.
   */
  private retireAll(ids: readonly string[]): void {
    const leaving = new Map(ids.flatMap((id): [string, Service][] => { const service = this.roster.serviceOf(id); return service === undefined ? [] : [[id, service]]; }));
    this.retirement.inOrder(leaving, (id, after$) => {
      this.retire(id, after$);
    });
  }

  private retire(id: string, after$?: Observable<never>): void {
    this.roster.leave(id);
    this.room.counted(id);
    this.remembered.forget(id);
    // Never ran: stopped at once.
    if (this.dependencies.leave(id) || this.room.unhold(id)) {
      this.emit({ type: 'stopped', id, at: this.options.scheduler.now() });
      this.controlState.tellIfStopped(id, this.dependencies);
      return;
    }
    const daemon = this.roster.daemonOf(id);
    // One that ended, or a one-shot not run again, tells no more of itself: what waits for it is told now.
    if (daemon === undefined || isEnded(daemon.state)) this.controlState.tellIfStopped(id, this.dependencies);
    if (daemon === undefined) return;
    this.roster.drop(id);
    this.retirement.chain(id, stopped$(daemon), after$);
  }

  /** Stops a live process that is not to be kept, as its record says (`stop`), without ever respawning it (see {@link stopAdoptedNow}). */
  private readonly stopAdopted = (id: string, adoptee: Adoptee, stop: RecordedStop = {}): void => {
    const gone$ = stopAdoptedNow(id, adoptee, this.roster.stopOptionsOf(id, stop, adoptee.pid), {
      emit: this.emit,
      exited: () => { this.recorder.set(id, undefined); },
      gone: () => this.room.retry(),
    });
    this.retirement.chain(id, gone$);
  };

  /** What waits for `id`, looked at again: launched when it waits no more, else its wait said anew. */
  private readonly reviewDependents = (id: string): void => {
    for (const [waiting, service] of this.dependencies.waitingFor(id)) this.launch(waiting, service);
  };

  /** A daemon's event as it is (every daemon of a manager is given its id, so every event of one has it); one of the manager's own, stamped now. */
  private readonly emit = (event: DaemonEvent | Unstamped<FleetEvent>): void => {
    this.events.next('at' in event ? (event as ManagedDaemonEvent) : { ...event, at: this.options.scheduler.now() });
  };
}
