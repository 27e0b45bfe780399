import { chain, isLeft, isRight, map } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { AsyncSubject, NEVER, defer, EMPTY, interval, merge, Observable, Subject, type Subscription } from 'rxjs';
import type { Command } from '../command.js';
import type { Adoptee } from '../snapshot/adoptee.js';
import { Daemon } from '../daemon/daemon.js';
import { STOPPED } from '../daemon/cause.js';
import { lifecycle$ } from '../daemon/lifecycle.js';
import { askEnd, type Ending } from '../daemon/requests.js';
import { SCOPE_VARIABLE } from '../daemon/spawn-spec.js';
import { isEnded } from '../daemon/state.js';
import { errorFields, isTerminal, type DaemonEvent, type TerminalEvent } from '../events.js';
import { resolveOptions, type DaemonOptions, type ResolvedOptions } from '../options.js';
import { noRestart } from '../policy/no-restart.js';
import type { Marked } from '../process/system-scans.js';
import type { Headroom } from '../process/limits.js';
import { SPAWN_WINDOW_TICKS, type SpawnIntent } from '../process/spawn-intent.js';
import { adopteeOf, checkProcess, decodeSnapshot, recordedStopOf } from '../snapshot/check-snapshot.js';
import type { DaemonSnapshot } from '../snapshot/codec.js';
import type { DataDir } from './data-dir.js';
import type { ControlOutcome } from './control-outcome.js';
import { planControl, type ControlFacts } from './control-plan.js';
import { isFleetEvent, type ControlDoneEvent, type ControlRefusedEvent, type ControlRequest, type FleetEvent, type ManagedDaemonEvent, type ManagerEvent, type WaitingEvent } from './events.js';
import { completes, completionOf, type Completion } from './completion.js';
import { checkId } from './ids.js';
import { dependentsOf } from './order.js';
import { planReconcile, withRestoredStops } from './reconcile.js';
import type { Found, Records } from './records.js';
import { admit, heldCause, ROOM_RETRY_MS } from './room.js';
import { outputOf, partsOf, type Service, type ServiceOptions } from './service.js';
import { waitingCause, type Awaited } from './waiting-cause.js';

// Omit, distributed over a union.
type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;

/** An entry of a desired set that cannot be run (a bad id, command or option, an `after` that cannot be met), and why. */
export interface Rejected {
  readonly id: string;
  readonly message: string;
}

/**
 * The set of daemons a manager runs, keyed by id. It acts on plans (M1),
 * restores what an earlier manager recorded (M4, M8), and ends by closing
 * or killing (M5). Every daemon of an id waits for the previous process of
 * that id to be gone, so two never share a pid file, a log or a record.
 */
export class Fleet {
  readonly events$ = new Subject<ManagerEvent>();
  /** Pinged whenever a record changed. */
  readonly changed$ = new Subject<void>();
  private readonly daemons = new Map<string, Daemon>();
  /** What each daemon of `daemons` runs, as the desired set said it (the reconcile compares these). */
  private readonly services = new Map<string, Service>();
  /** Per id: completes when the processes of that id being stopped are gone. */
  private readonly retiring = new Map<string, Observable<never>>();
  /**
   * Ids never to be started by this manager, and why: a process recorded
   * for each still runs, but it can neither be adopted nor stopped (another
   * user's, or hidden by /proc). Starting the id would run a second copy.
   */
  private readonly held = new Map<string, string>();
  /** Ids stopped by request (M9), held down until started again. */
  private readonly stoppedOnRequest = new Set<string>();
  /**
   * Desired ids not started for want of room under a limit of the OS
   * (`limit-reached`), in order: tried again when a daemon of the fleet
   * ends, every ROOM_RETRY_MS while there are any, and at a start on request.
   */
  private readonly heldForRoom = new Set<string>();
  private roomRetries: Subscription | undefined;
  /**
   * Ids launched whose process the OS does not count yet (a spawn under
   * way, one waiting for its `after` or for the previous process of its id):
   * room is kept for them, or tries in one moment would all see the same.
   */
  private readonly unspawned = new Set<string>();
  /** Ids that meet an `after` now: a daemon while it is ready, a one-shot once it has completed with exit code 0. */
  private readonly met = new Set<string>();
  /**
   * Ids whose daemon ended without meeting an `after` (gave up, completed
   * otherwise, stopped on request), and how: what waits for them waits on,
   * saying so, until they are launched again.
   */
  private readonly failed = new Map<string, NonNullable<Awaited['ended']>>();
  /**
   * One-shots that an earlier manager of the data dir saw complete with
   * exit code 0, in this boot, with the definition the desired set gives
   * them now: not run again (systemd's `RemainAfterExit`), they meet what
   * starts after them. A start on request runs one again; a stop, a
   * replacement, a removal or a kill forgets it.
   */
  private readonly remembered = new Map<string, Completion>();
  /** Services whose `after` is not met yet, by id: launched once every id they name is met. */
  private readonly pending = new Map<string, Service>();
  /** The last desired set, for a start on request. */
  private desired: ReadonlyMap<string, Service> = new Map();

  /** `options` are every daemon's; with a data dir, each gets its own pid file and logs there, and its records are kept. */
  constructor(
    private readonly options: DaemonOptions & Pick<ResolvedOptions, 'driver' | 'scheduler'>,
    private readonly dataDir: DataDir | undefined,
    private readonly records: Records | undefined,
  ) {}

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
    const unheld = [...this.heldForRoom].filter((id) => !wanted.has(id));
    const desired = new Map([...wanted].filter(([id]) => !this.held.has(id) && !this.stoppedOnRequest.has(id)));
    for (const [id, why] of this.held) {
      if (wanted.has(id)) this.emit({ type: 'invalid-entry', id, message: `not started: ${why}` });
    }
    const plan = withRestoredStops(planReconcile(this.services, desired), stoppingAtRestore);
    // A one-shot an earlier manager saw complete is kept as it is: it is not run again.
    const done = plan.start.filter((id) => this.remembered.has(id));
    const toStart = done.length === 0 ? plan.start : plan.start.filter((id) => !this.remembered.has(id));
    // A replacement takes the place of the process it stops; a new id (a held one too: it never ran) needs room of its own.
    const headroom = this.headroom(toStart.length);
    const { start, held } = admit(toStart, headroom);
    // Announced first, so the events of the daemons it touches follow it.
    this.emit({ type: 'reconcile', started: start, stopped: [...plan.stop, ...forgotten, ...unheld], replaced: plan.replace, unchanged: plan.unchanged.length + done.length });
    // Never ran: stopped at once.
    for (const id of unheld) this.retire(id);
    this.heldForRoom.clear();
    for (const id of held) this.heldForRoom.add(id);
    if (headroom !== undefined) this.limitReached(headroom);
    this.keepRetrying();
    // Their room is kept before a stop below ends at once and a retry looks.
    for (const id of start) this.unspawned.add(id);
    this.retireAll([...plan.stop, ...plan.replace]);
    for (const id of done) this.keepCompleted(id, desired.get(id));
    for (const id of [...plan.replace, ...start]) {
      const service = desired.get(id);
      if (service !== undefined) this.launch(id, service);
    }
  }

  /**
   * Starts what of the held `ids` the OS has room for now; the limit is said
   * again (every id still held) only when some started. Returns the limit
   * when it still holds any of them.
   */
  private retryHeld(ids: readonly string[] = [...this.heldForRoom]): Headroom | undefined {
    const headroom = this.headroom(ids.length);
    const { start } = admit(ids, headroom);
    for (const id of start) {
      this.heldForRoom.delete(id);
      const service = this.desired.get(id);
      if (service !== undefined) this.launch(id, service);
    }
    if (headroom !== undefined && start.length > 0) this.limitReached(headroom);
    this.keepRetrying();
    return headroom;
  }

  /** The limit that leaves no room for `wanted` more besides the launches the OS does not count yet; `more` is net of those. */
  private headroom(wanted: number): Headroom | undefined {
    // Nothing to start needs no room: /proc is not read for a reconcile that only stops or keeps.
    if (wanted === 0) return undefined;
    const reserved = this.unspawned.size;
    const headroom = this.options.driver.system.headroom(wanted + reserved);
    return headroom === undefined ? undefined : { ...headroom, more: Math.max(0, headroom.more - reserved) };
  }

  /** Says which ids a limit holds back now, and why (once, not a spawn failure each). */
  private limitReached({ limit, value, inUse, raise }: Headroom): void {
    this.emit({ type: 'limit-reached', limit, value, inUse, raise, held: [...this.heldForRoom] });
  }

  /** Keeps the timer that tries held ids again running while there are any, on the scheduler. */
  private keepRetrying(): void {
    if (this.heldForRoom.size === 0) {
      this.roomRetries?.unsubscribe();
      this.roomRetries = undefined;
    } else {
      this.roomRetries ??= interval(ROOM_RETRY_MS, this.options.scheduler).subscribe(() => {
        this.retryHeld();
      });
    }
  }

  /** At the manager's end: nothing held is started any more. */
  private forgetHeld(): void {
    this.heldForRoom.clear();
    this.keepRetrying();
  }

  /**
   * M4: adopts the live processes recorded for an id that is desired with
   * the same token, and stops the others (absent, or recorded with another
   * token: adopted only to be stopped, never respawned) as their records
   * say (their own stop signal, grace and group: the desired set may no
   * longer hold their options); the first reconcile counts those. Dead or invalid
   * records are skipped with a warning; what is left in a dead recorded
   * leader's group is ended (S5). M8: `marked` are the live processes of
   * this data dir's scope; a session leader among them that no record
   * holds, and whose parent is not one of them, was started by a manager
   * killed before it could record it: it is stopped; a member whose
   * session leader is gone is what is left of a daemon that died while no
   * manager ran: its group is ended. A spawn whose process the scope scan
   * cannot see is found by its intent (see {@link stopUnrecordedSpawns}).
   * Then the first reconcile runs (with `rejected`, see {@link reconcile}).
   */
  restore(found: Pick<Found, 'daemons' | 'spawning' | 'completed'>, marked: readonly Marked[], desired: ReadonlyMap<string, Service>, rejected: readonly Rejected[] = []): void {
    const adopted: string[] = [];
    const stopping = new Set<string>();
    const supervised = new Set<number>();
    for (const [id, entry] of found.daemons) {
      // Whatever becomes of its record, a recorded process is never a stray: one that died since the scan would be taken for both.
      const decoded = decodeSnapshot(entry);
      if (isRight(decoded)) supervised.add(decoded.right.pid);
      const skip = (code: string, message: string): void => {
        this.emit({ type: 'restore-skipped', id, code, message });
        // Still there, and not ours to end: its record stays, and its id is held, never started twice.
        if (code === 'EFOREIGN' || code === 'EHIDDEN') this.held.set(id, `a process recorded for it still runs and cannot be supervised (${message})`);
        else this.record(id, undefined);
        if (code === 'EDEAD' && isRight(decoded)) this.endLeftovers(decoded.right);
      };
      const idError = checkId(id);
      if (isLeft(idError)) {
        skip('EINVALID', idError.left);
        continue;
      }
      const wanted = desired.get(id);
      if (wanted !== undefined) {
        const { options } = partsOf(wanted);
        const restored = Daemon.restore(entry, { ...this.optionsFor(id, options), token: wanted.token });
        if (isRight(restored)) {
          // Run with the desired options (and order), it differs from the desired service only if its command does.
          this.services.set(id, { ...restored.right.command, ...options, ...(wanted.after === undefined ? {} : { after: wanted.after }) });
          this.follow(id, restored.right);
          adopted.push(id);
          continue;
        }
        // Any refusal but the token's ends here; a process recorded with another token is to be stopped.
        if (restored.left.code !== 'ETOKEN') {
          skip(restored.left.code, restored.left.message);
          continue;
        }
      }
      const toStop = pipe(
        decoded,
        chain((snapshot) =>
          pipe(
            checkProcess(snapshot, this.options.driver),
            map((identity) => ({ adoptee: adopteeOf(snapshot, identity), stop: recordedStopOf(snapshot) })),
          ),
        ),
      );
      if (isLeft(toStop)) skip(toStop.left.code, toStop.left.message);
      else {
        this.stopAdopted(id, toStop.right.adoptee, toStop.right.stop);
        stopping.add(id);
      }
    }
    const pids = new Set(marked.map(({ pid }) => pid));
    const orphaned = new Map<number, string>();
    for (const candidate of marked) {
      const id = candidate.also ?? '';
      if (candidate.pid !== candidate.session) {
        if (!pids.has(candidate.session)) orphaned.set(candidate.session, id);
        continue;
      }
      if (supervised.has(candidate.pid) || pids.has(candidate.ppid)) continue;
      this.emit({ type: 'stray', id, pid: candidate.pid });
      this.stopAdopted(id, candidate);
    }
    for (const [session, id] of orphaned) {
      if (this.options.killProcessGroup !== false && this.options.driver.processes.endGroup({ pid: session, startTime: null })) this.emit({ type: 'stray', id, pid: session });
    }
    this.stopUnrecordedSpawns(found.spawning, new Set([...supervised, ...pids]));
    this.remember(found.completed, desired);
    this.emit({ type: 'restored', adopted });
    this.reconcile(desired, rejected, stopping);
  }

  /**
   * M8: the processes of spawns whose manager was killed between the intent
   * and the record, where the scope scan cannot see them: a daemon that
   * overwrote its environment (nginx, PostgreSQL), or one whose environment
   * this user may not read. Each unresolved intent of this boot is looked
   * for (`SystemScans.findSpawned`): a session leader started right after
   * it, running its executable, that no record holds and the scope scan did
   * not find (`claimed`), is stopped as a stray. One whose executable cannot
   * be read is not guessed about either way: it is reported, and its id is
   * held, as a recorded process that cannot be told apart holds it (never
   * started while a copy may run: for a daemon that binds a port, a second
   * copy only crash-loops while the first serves unsupervised), and the
   * intent is kept, so a manager started while that process still runs
   * holds the id too, and one started once it is gone does not.
   */
  private stopUnrecordedSpawns(spawning: ReadonlyMap<string, SpawnIntent>, claimed: Set<number>): void {
    const { driver } = this.options;
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
          this.emit({ type: 'stray', id, pid: spawned.pid });
          this.stopAdopted(id, spawned);
          continue;
        }
        const after = `${((Number(spawned.startTime) - intent.at) / 100).toFixed(2)} s after a spawn of ${intent.command} that a killed manager never recorded`;
        const message = `process ${spawned.pid}, started ${after}, may be that spawn's: its executable, which would tell, cannot be read (a process that is not dumpable hides it from a user other than root)`;
        this.emit({ type: 'restore-skipped', id, code: 'EHIDDEN', message });
        this.held.set(id, `${message}; stop it if it is ${id}'s: once it is gone, a manager started anew starts ${id}`);
        this.records?.keep(id, intent);
      }
    });
  }

  /**
   * The one-shots recorded as completed that are not to run again: those
   * the desired set holds as they were, completed in this boot, and not
   * adopted (a run under way is no completion). Any other completion is
   * forgotten.
   */
  private remember(completed: ReadonlyMap<string, Completion>, desired: ReadonlyMap<string, Service>): void {
    const bootId = this.options.driver.system.bootId();
    for (const [id, completion] of completed) {
      const service = desired.get(id);
      if (service?.oneshot === true && !this.services.has(id) && completes(completion, service, bootId)) this.remembered.set(id, completion);
      else this.records?.complete(id, undefined);
    }
  }

  /** A one-shot that is not run again: it is as it was, completed, and meets what starts after it. */
  private keepCompleted(id: string, service: Service | undefined): void {
    const completion = this.remembered.get(id);
    if (service === undefined || completion === undefined) return;
    this.services.set(id, service);
    this.met.add(id);
    this.emit({ type: 'already-completed', id, completedAt: completion.at });
  }

  /** `id` is run again, stopped or gone: a completion recorded for it is forgotten, here and on disk. */
  private forgetCompletion(id: string): void {
    this.remembered.delete(id);
    if (this.records?.complete(id, undefined) === true) this.changed$.next();
  }

  /**
   * M9: carries out one request for one daemon (see {@link planControl}),
   * and emits what it came to, once, then completes: `control-done` with
   * what it did (`started`, `restarted`, `stopped`) or found
   * (`already-running`, `already-stopped`), or `control-refused` saying why
   * not. A restart is done at the new process's `started`, a stop once it
   * is stopped, a start at its `started` or once it waits for its `after`.
   * Unsubscribing stops following the request, not the request.
   */
  control(request: ControlRequest): Observable<ControlDoneEvent | ControlRefusedEvent> {
    const { type, id } = request;
    return new Observable<ControlDoneEvent | ControlRefusedEvent>((subscriber) => {
      const answer = (event: WithoutAt<ControlDoneEvent | ControlRefusedEvent>): void => {
        if (subscriber.closed) return;
        subscriber.next({ ...event, at: this.options.scheduler.now() });
        subscriber.complete();
      };
      const done = (outcome: ControlOutcome): void => {
        answer({ type: 'control-done', id, request: type, outcome });
      };
      const refuse = (message: string, code: ControlRefusedEvent['code'] = 'EREFUSED'): void => {
        answer({ type: 'control-refused', id, request: type, code, message });
      };
      // What settles it is an event of the daemon still to come: followed from before the act that brings it.
      const until = (settle: (event: ManagedDaemonEvent | WaitingEvent) => void): void => {
        subscriber.add(
          this.events$.subscribe((event) => {
            if ((event.type === 'waiting' || !isFleetEvent(event)) && event.id === id) settle(event);
          }),
        );
      };
      // What runs it again is done at its start (or its wait for its `after`); it fails at a failed spawn, or an end before either.
      const runs = (outcome: ControlOutcome) => (event: ManagedDaemonEvent | WaitingEvent): void => {
        if (event.type === 'started' || event.type === 'waiting') done(outcome);
        else if (event.type === 'spawn-failed') refuse(`its new process failed to spawn: ${event.error.message}`, 'ESPAWN');
        else if (isTerminal(event)) refuse(`it ended (${event.type}) before its new process started`);
      };
      const daemon = this.daemons.get(id);
      const plan = planControl(request, this.factsOf(id, daemon));
      switch (plan.act) {
        case 'none':
          done(plan.outcome);
          return;
        case 'refuse':
          refuse(plan.message);
          return;
        case 'stop':
          if (plan.outcome === 'stopped')
            until((event) => {
              if (event.type !== 'waiting' && isTerminal(event)) done('stopped');
            });
          this.stoppedOnRequest.add(id);
          // A daemon that ended is let go too, so a start makes a new one.
          this.retire(id);
          if (plan.outcome === 'already-stopped') done(plan.outcome);
          return;
        case 'restart':
          until(runs('restarted'));
          daemon?.restart().catch((error: unknown) => {
            refuse(errorFields(error).message);
          });
          return;
        case 'run-again': {
          until(runs(plan.outcome));
          const room = this.runAgain(id);
          if (room !== undefined) refuse(room);
          return;
        }
      }
    });
  }

  /** What a request for `id` is planned from. */
  private factsOf(id: string, daemon: Daemon | undefined): ControlFacts {
    const pending = this.pending.get(id);
    const held = this.held.get(id);
    return {
      desired: this.desired.has(id),
      // A one-shot not run again is as one that completed.
      daemon: daemon !== undefined || this.remembered.has(id),
      live: daemon !== undefined && !isEnded(daemon.state),
      stoppedOnRequest: this.stoppedOnRequest.has(id),
      heldForRoom: this.heldForRoom.has(id),
      ...(held === undefined ? {} : { held }),
      ...(pending === undefined ? {} : { waiting: waitingCause(this.awaitedBy(pending)) }),
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
    this.forgetCompletion(id);
    // An ended daemon leaves nothing to stop: its place is taken at once.
    this.daemons.delete(id);
    const waited = this.heldForRoom.has(id);
    this.heldForRoom.add(id);
    const headroom = this.retryHeld([id]);
    if (headroom === undefined) return undefined;
    if (!waited) this.limitReached(headroom);
    return `${heldCause(headroom)} (tried again as room is freed)`;
  }

  /** M5 close: detaches every daemon; completes once the stops already under way are done. */
  closeAll(): Observable<never> {
    return defer(() => {
      this.forgetHeld();
      for (const daemon of this.daemons.values()) daemon.close();
      return this.settled();
    });
  }

  /** M5 kill: stops every daemon, dependents before what they depend on, and forgets every one-shot's completion; completes when all are gone. */
  killAll(): Observable<never> {
    return defer(() => {
      this.forgetHeld();
      // As `systemctl stop` does: the next manager runs them again.
      this.remembered.clear();
      this.records?.forgetCompleted();
      this.retireAll([...this.services.keys()]);
      return this.settled();
    });
  }

  private settled(): Observable<never> {
    return merge(...this.retiring.values());
  }

  /** What a service still waits for of those it starts after: each daemon to be ready, each one-shot to complete; and how those that ended so ended. */
  private awaitedBy(service: Service): Awaited[] {
    return (service.after ?? [])
      .filter((name) => !this.met.has(name))
      .map((name) => {
        const until = this.desired.get(name)?.oneshot === true ? 'complete' : 'ready';
        const held = this.held.get(name);
        // A held id is never started: it cannot be waited for to no end without a word.
        const ended = held === undefined ? this.failed.get(name) : { how: 'invalid' as const, cause: `is not started: ${held}` };
        return ended === undefined ? { id: name, until } : { id: name, until, ended };
      });
  }

  /**
   * Runs a service of the desired set: at once, or once what it starts
   * after is met (it is pending meanwhile, and says what it waits for). A
   * dependency that ended without meeting it is said once, when the service
   * comes to wait for it; a wait said again is no news of it. Launched
   * anew, what this id met or how it ended is its last daemon's: what
   * waits for it is looked at again.
   */
  private launch(id: string, service: Service): void {
    this.services.set(id, service);
    this.unspawned.add(id);
    this.met.delete(id);
    const endedBefore = this.failed.delete(id);
    const waitedBefore = this.pending.delete(id);
    const awaited = this.awaitedBy(service);
    if (awaited.length > 0) {
      this.pending.set(id, service);
      const cause = waitingCause(awaited);
      this.emit({ type: 'waiting', id, for: awaited.map((dependency) => dependency.id), cause });
      for (const { id: dependency, ended } of waitedBefore ? [] : awaited) {
        if (ended !== undefined) this.emit({ type: 'dependency-failed', id, dependency, how: ended.how, cause });
      }
    } else this.spawn(id, service);
    if (endedBefore) this.reviewDependents(id);
  }

  /** Makes and starts the daemon of a service whose `after` is met, once the previous process of its id is gone. */
  private spawn(id: string, service: Service): void {
    const { command, options } = partsOf(service);
    const daemon = new Daemon(command, this.optionsFor(id, options));
    this.follow(id, daemon);
    const previous = this.retiring.get(id);
    if (previous === undefined) daemon.start();
    // A daemon retired before its turn came was stopped before start: start() is then a Left, and nothing runs.
    else previous.subscribe({ complete: () => void daemon.start() });
  }

  /**
   * `id` ended without meeting what waits for it: those that wait now are
   * told how (`dependency-failed`), and wait on with that cause; those that
   * come to wait for it later are told when they do.
   */
  private endedUnmet(id: string, ended: NonNullable<Awaited['ended']>): void {
    this.failed.set(id, ended);
    for (const [waiting, service] of this.pending) {
      if ((service.after ?? []).includes(id)) this.emit({ type: 'dependency-failed', id: waiting, dependency: id, how: ended.how, cause: waitingCause(this.awaitedBy(service)) });
    }
  }

  /**
   * Stops these ids, each only once what depends on it among them is gone
   * (dependents first, DESIGN's `after`). A service still waiting for its
   * dependencies never ran: it is stopped at once.
   */
  private retireAll(ids: readonly string[]): void {
    const leaving = new Map(ids.flatMap((id): [string, Service][] => { const service = this.services.get(id); return service === undefined ? [] : [[id, service]]; }));
    const dependents = dependentsOf(leaving);
    const gone = new Map<string, Observable<never>>();
    const retireOne = (id: string): Observable<never> => {
      const known = gone.get(id);
      if (known !== undefined) return known;
      const before = (dependents.get(id) ?? []).map(retireOne);
      this.retire(id, before.length === 0 ? undefined : merge(...before));
      const gone$ = this.retiring.get(id) ?? EMPTY;
      gone.set(id, gone$);
      return gone$;
    };
    for (const id of leaving.keys()) retireOne(id);
  }

  private retire(id: string, after$?: Observable<never>): void {
    this.services.delete(id);
    this.unspawned.delete(id);
    this.met.delete(id);
    this.forgetCompletion(id);
    // Never ran: stopped at once.
    if (this.pending.delete(id) || this.heldForRoom.delete(id)) {
      this.emit({ type: 'stopped', id, at: this.options.scheduler.now() });
      this.stoppedUnmet(id);
      return;
    }
    const daemon = this.daemons.get(id);
    // One that ended, or a one-shot not run again, tells no more of itself: what waits for it is told now.
    if (daemon === undefined || isEnded(daemon.state)) this.stoppedUnmet(id);
    if (daemon === undefined) return;
    this.daemons.delete(id);
    this.chain(
      id,
      new Observable<never>((subscriber) => {
        void daemon.stop();
        return daemon.events$.subscribe({
          error: (error: unknown) => {
            subscriber.error(error);
          },
          complete: () => {
            subscriber.complete();
          },
        });
      }),
      after$,
    );
  }

  /** S5 for a recorded leader that died while no manager ran: what is left in its group is ended, unless its record says its group is not to be signalled. */
  private endLeftovers(leader: DaemonSnapshot): void {
    if ((recordedStopOf(leader).killProcessGroup ?? this.options.killProcessGroup) !== false) this.options.driver.processes.endGroup(leader);
  }

  /**
   * Stops a live process that is not to be kept, without ever respawning it;
   * it stays recorded until it is gone. `stop` is how its record says to
   * stop it, over the manager's options.
   */
  private stopAdopted(id: string, adoptee: Adoptee, stop: Pick<DaemonOptions, 'stopSignal' | 'gracefulStopMs' | 'killProcessGroup'> = {}): void {
    const options = resolveOptions({ ...this.optionsFor(id), ...stop });
    // The command is never run: this life only stops what it adopts.
    const gone$ = new AsyncSubject<never>();
    const ending = new AsyncSubject<Ending>();
    askEnd(ending, 'stop');
    lifecycle$({ command: 'adopted', id }, options, { ending, restart$: NEVER }, adoptee).subscribe({
      next: (event) => {
        this.emit(event);
        if (event.type === 'exited') this.record(id, undefined);
      },
      error: (error: unknown) => {
        gone$.error(error);
      },
      complete: () => {
        gone$.complete();
        this.retryHeld();
      },
    });
    this.chain(id, gone$);
  }

  /**
   * Retires `id` by `gone$`, subscribed once whatever retires `id` already
   * and `after$` (what must go first) are done. Whoever waits for the end
   * (settled(), a relaunch, a dependency) waits on the subject kept in
   * `retiring`. Written out by hand: 10,000 daemons stopping at once each
   * held a `concat` of `concat`s.
   */
  private chain(id: string, gone$: Observable<never>, after$?: Observable<never>): void {
    const waits = [this.retiring.get(id), after$].filter((wait) => wait !== undefined);
    const done$ = new AsyncSubject<never>();
    this.retiring.set(id, done$);
    done$.subscribe({
      complete: () => {
        if (this.retiring.get(id) === done$) this.retiring.delete(id);
      },
    });
    const finish = (): void => {
      done$.complete();
    };
    // A daemon that erred (a bug, already carried by follow()) is as gone as one that stopped.
    const go = (): void => {
      gone$.subscribe({ error: finish, complete: finish });
    };
    let waiting = waits.length;
    const one = (): void => {
      if (--waiting === 0) go();
    };
    if (waiting === 0) go();
    else for (const wait of waits) wait.subscribe({ error: one, complete: one });
  }

  private follow(id: string, daemon: Daemon): void {
    this.daemons.set(id, daemon);
    daemon.events$.subscribe({
      next: (event) => {
        this.track(id, event);
        // M8: the record first, in the same tick as the spawn, before anything else is done with the process.
        if (event.type === 'started' || event.type === 'adopted') this.record(id, daemon.snapshot());
        else if (event.type === 'exited') this.record(id, undefined);
        // The intent of a failed spawn resolves to nothing: a compaction drops it (a spawn failing in a loop would grow the journal).
        else if (event.type === 'spawn-failed' && this.records !== undefined) this.changed$.next();
        // A task done is recorded before it is told: a manager killed at its `completed` never runs it again.
        else if (event.type === 'completed' && this.met.has(id)) this.recordCompletion(id, daemon, event.at);
        this.emit(event);
        // What waited for it, once its readiness (or its end) is told.
        if (event.type === 'ready') this.reviewDependents(id);
        if (isTerminal(event)) this.ended(id, event, daemon);
        // M8: the intent last of all, after every handler of the event, so that only the spawn's own steps lie between it and the fork.
        if (event.type === 'spawning') this.intend(id, daemon.command);
      },
      // A daemon errs only on a bug (a restart policy that throws, say): the manager's stream carries it.
      error: (error: unknown) => {
        this.events$.error(error);
      },
    });
  }

  /** M8: writes down the spawn `id` is about to make (see `Records.intend`); without a data dir, nothing. */
  private intend(id: string, { command, cwd, env = {} }: Command): void {
    if (this.records === undefined) return;
    // What the daemon's spawn drops from the inherited environment (its id, token and scope variables) is never PATH.
    const intent = this.options.driver.system.spawnIntent({ command, cwd, env, dropEnv: [] });
    if (intent !== null) this.records.intend(id, intent);
  }

  /** Keeps which ids meet an `after` (a ready daemon, a one-shot completed with exit code 0), and which have a process the OS counts. */
  private track(id: string, event: DaemonEvent): void {
    if (event.type === 'started' || event.type === 'spawn-failed' || isTerminal(event)) this.unspawned.delete(id);
    const taskDone = event.type === 'completed' && this.services.get(id)?.oneshot === true && event.code === 0 && event.signal === null;
    if (event.type === 'ready' || taskDone) this.met.add(id);
    else if (event.type === 'exited' || isTerminal(event)) this.met.delete(id);
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
      if (this.met.has(id)) this.reviewDependents(id);
      else this.endedUnmet(id, { how: 'completed', cause });
    } else if (event.type === 'gave-up') this.endedUnmet(id, { how: 'gave-up', cause });
    else if (event.type === 'stopped') this.stoppedUnmet(id);
    this.retryHeld();
  }

  /** `id`, stopped on request, meets nothing until it runs again: what waits for it is told so. */
  private stoppedUnmet(id: string): void {
    if (this.stoppedOnRequest.has(id)) this.endedUnmet(id, { how: 'stopped', cause: STOPPED });
  }

  /**
   * A one-shot's completion with exit code 0, recorded (in this boot;
   * nothing where the OS has no boot id), so a later manager does not run
   * it again: the completion of the id's own daemon, not of one being
   * retired, so that what is recorded is its definition's.
   */
  private recordCompletion(id: string, daemon: Daemon, at: number): void {
    const bootId = this.options.driver.system.bootId();
    const service = this.services.get(id);
    if (this.records === undefined || bootId === null || service === undefined || this.daemons.get(id) !== daemon) return;
    if (this.records.complete(id, completionOf(service, bootId, at))) this.changed$.next();
  }

  /** What waits for `id`, looked at again: launched when it waits no more, else its wait said anew. */
  private reviewDependents(id: string): void {
    // A copy: launch() puts back what still waits.
    for (const [waiting, service] of [...this.pending]) {
      if ((service.after ?? []).includes(id)) this.launch(waiting, service);
    }
  }

  private record(id: string, snapshot: unknown): void {
    if (this.records === undefined) return;
    this.records.set(id, snapshot);
    this.changed$.next();
  }

  /** The manager's options for every daemon, the service's own over them; with a data dir, its pid file and (unless the service says otherwise) its logs there. */
  private optionsFor(id: string, own: ServiceOptions = {}): DaemonOptions {
    const { dataDir } = this;
    // A one-shot is restarted only as its own rule says: the manager's is for daemons.
    const options = { ...this.options, ...(own.oneshot === true ? { restart: own.restart ?? noRestart } : {}), ...own };
    if (dataDir === undefined) return options;
    return { ...options, pidFile: dataDir.pidFile(id), stdout: outputOf('stdout', id, own, dataDir), stderr: outputOf('stderr', id, own, dataDir) };
  }

  /** A daemon's event as it is (every daemon of a manager is given its id, so every event of one has it); one of the manager's own, stamped now. */
  private emit(event: DaemonEvent | WithoutAt<FleetEvent>): void {
    this.events$.next('at' in event ? (event as ManagedDaemonEvent) : { ...event, at: this.options.scheduler.now() });
  }
}
