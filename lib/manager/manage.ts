import { isLeft, right, type Either } from 'fp-ts/lib/Either.js';
import { concat, concatMap, defer, EMPTY, map, merge, mergeMap, NEVER, Observable, of, share, take, takeUntil, takeWhile, tap } from 'rxjs';
import type { DesiredSet } from './service.js';
import { resolveOptions, type DaemonOptions } from '../options.js';
import { AbsolutePath, check, checkDuration, checkOneOf } from '../validate.js';
import { CONTAINMENT_MODES, decideContainment, type Containment, type ContainmentMode } from '../process/cgroup/containment.js';
import { compact$, compacting } from './compacting.js';
import { ControlAnswers } from './control-answers.js';
import { isFleetEvent, isManagerTerminal, type ControlRequest, type ManagerEvent, type ManagerRefusedEvent } from './events.js';
import { Fleet } from './fleet.js';
import { DaemonStates } from './fold-states.js';
import { logFleetEvent } from './log-fleet-event.js';
import { openDataDir, type OpenedDataDir } from './open-data-dir.js';
import { reconcileDesiredSets } from './desired-sets.js';
import { ownScopeOf } from './own-scope.js';
import { ServiceCgroups } from './service-cgroups.js';

/** Options of {@link manage}: every daemon's options, plus the manager's own. */
export interface ManagerOptions extends Omit<DaemonOptions, 'pidFile' | 'stdout' | 'stderr' | 'scope' | 'cgroup'> {
  /** Where logs, pid files, records and the lock live (M3). Without one, nothing is written and nothing restored. */
  readonly dataDir?: string;
  /** Quiet time before a change is reconciled (M2). Default 500 ms. */
  readonly quietMs?: number;
  /** Longest wait before a change is reconciled, however busy the source (M2). Default 5000 ms. */
  readonly maxWaitMs?: number;
  /** snapshot.json is rewritten at most this often, and only when a record changed (M3); every change is in the journal at once (M8). Default 1000 ms. */
  readonly snapshotIntervalMs?: number;
  /** The first emission detaches every daemon and writes the final snapshot (M5); the stream completes after `manager-closed`. */
  readonly close$?: Observable<unknown>;
  /** The first emission stops every daemon and empties the snapshot (M5); the stream completes after `manager-stopped`. */
  readonly kill$?: Observable<unknown>;
  /** M9: requests for one daemon at a time (`restart`, `stop`, `start`); each ends with a `control-done` event saying what it did or found, or a `control-refused` saying why not. */
  readonly control$?: Observable<ControlRequest>;
  /** The config this manager serves, as `rxdaemon status` names it in its header (the CLI's `--config` file); told, never read. */
  readonly configPath?: string;
  /**
   * How services are contained (Containment): `'cgroup'`, each in a cgroup
   * v2 of its own (`<cgroupRoot>/rxd-<scope>/<id>`), else `manager-refused`
   * with `code: 'ECGROUP'`; `'process-group'`, never in cgroups (limits are
   * then refused); `'auto'` (the default), cgroups where a writable cgroup v2
   * hierarchy is found, process groups otherwise. The `containment` event
   * says which, and why.
   */
  readonly containment?: ContainmentMode;
  /** The cgroup v2 directory under which the scope's cgroups go (an absolute path). Default: the manager's own cgroup. */
  readonly cgroupRoot?: string;
}

/** The size past which a manager rotates each service's log files unless it or the service says otherwise (`maxLogBytes`; 0: never): 10 MiB. */
export const MANAGED_MAX_LOG_BYTES = 10 * 1024 * 1024;

type Settings = ReturnType<typeof settle>;

/** The manager's options checked and defaulted once; the daemons' own, resolved once, shared by all of them. */
const settle = (options: ManagerOptions) => {
  const { dataDir, quietMs = 500, maxWaitMs = 5_000, snapshotIntervalMs = 1_000, close$ = NEVER, kill$ = NEVER, control$ = NEVER, configPath, containment = 'auto', cgroupRoot, ...daemon } = options;
  const { scheduler, driver, logger, restart, envNames, limits } = resolveOptions(daemon);
  return {
    dataDir,
    containment: checkOneOf('containment', containment, CONTAINMENT_MODES),
    cgroupRoot: cgroupRoot === undefined ? undefined : check('cgroupRoot', cgroupRoot, AbsolutePath),
    limits,
    timing: { quietMs: checkDuration('quietMs', quietMs), maxWaitMs: checkDuration('maxWaitMs', maxWaitMs) },
    snapshotIntervalMs: checkDuration('snapshotIntervalMs', snapshotIntervalMs),
    close$,
    kill$,
    control$,
    configPath,
    // Resolved once here, so a thousand daemons share one policy rather than each making the default. A manager's
    // logs rotate by default: it runs unattended, and a log that only grows fills the disk in the end.
    daemon: { ...daemon, scheduler, driver, restart, maxLogBytes: daemon.maxLogBytes ?? MANAGED_MAX_LOG_BYTES },
    logger,
    idVariable: envNames.id,
  };
};

type Ending = 'close' | 'kill';

/**
 * The end of a manager: every daemon detached (close) or stopped (kill),
 * the records written whole (M5: close leaves them; kill leaves none), the
 * lock let go, then the terminal event.
 */
const finish$ = (fleet: Fleet, cgroups: ServiceCgroups, opened: OpenedDataDir | undefined, ending: Ending, settings: Settings): Observable<ManagerEvent> => {
  const { scheduler } = settings.daemon;
  return concat(
    ending === 'close' ? fleet.closeAll() : killAll$(fleet, cgroups),
    opened === undefined ? EMPTY : compact$(opened.records, opened.dataDir.snapshotPath, scheduler),
    defer(() => {
      release(opened);
      return of<ManagerEvent>({ type: ending === 'close' ? 'manager-closed' : 'manager-stopped', at: scheduler.now() });
    }),
  );
};

/** Every daemon stopped, then every cgroup of the scope removed (a close leaves them: its processes run on in them). */
const killAll$ = (fleet: Fleet, cgroups: ServiceCgroups): Observable<never> =>
  concat(
    fleet.killAll(),
    defer(() => {
      cgroups.removeAll();
      return EMPTY;
    }),
  );

const release = (opened: OpenedDataDir | undefined): void => {
  opened?.records.close();
  opened?.lock.release();
};

/** The manager of an opened (or no) data dir, from the first desired set to its terminal event; its events folded into `states`, if given. */
const managed$ = (desired$: Observable<DesiredSet>, settings: Settings, contained: Containment, opened: OpenedDataDir | undefined, given: DaemonStates | undefined): Observable<ManagerEvent> =>
  new Observable<ManagerEvent>((subscriber) => {
    const { daemon, timing, snapshotIntervalMs, logger } = settings;
    const cgroups = new ServiceCgroups(contained, daemon.driver.cgroups, opened?.scope ?? ownScopeOf(daemon.driver.processes), logger, daemon.scheduler, settings.limits);
    const fleet = new Fleet(opened === undefined ? daemon : { ...daemon, scope: opened.scope }, opened?.dataDir, opened?.records, cgroups);
    const restore = opened === undefined ? undefined : { found: opened.found, marked: opened.marked, snapshotPath: opened.dataDir.snapshotPath };
    const control = opened === undefined ? undefined : new ControlAnswers(opened.dataDir, { pid: daemon.driver.processes.ownPid, configPath: settings.configPath }, daemon.scheduler, given ?? new DaemonStates(), daemon.driver.cgroups);
    // The states are folded once: by control.sock's status board when it serves, else here.
    const fold = control ?? given;
    // A shutdown asked on control.sock ends the manager as a kill does.
    const killed$ = merge(settings.kill$, control?.shutdown$ ?? EMPTY);
    const ending$ = merge(settings.close$.pipe(map((): Ending => 'close')), killed$.pipe(map((): Ending => 'kill'))).pipe(take(1), share());
    const events$ = merge(
      fleet.events$,
      // Told before the first reconcile's events.
      of<ManagerEvent>({ type: 'containment', at: daemon.scheduler.now(), mode: contained.mode, reason: contained.reason }),
      desired$.pipe(
        tap((desired) => {
          control?.configure(desired);
        }),
        reconcileDesiredSets(fleet, restore, { ...timing, withDataDir: opened !== undefined, cgroups }, daemon.scheduler),
        takeUntil(ending$),
      ),
      opened === undefined ? EMPTY : fleet.changed$.pipe(compacting(opened.records, opened.dataDir.snapshotPath, snapshotIntervalMs, daemon.scheduler), takeUntil(ending$)),
      // M9: the library's requests and control.sock's take the same path; each ends with what it came to.
      merge(settings.control$, control?.requests$ ?? EMPTY).pipe(
        mergeMap((request) => fleet.control(request)),
        takeUntil(ending$),
      ),
      control?.serve$() ?? EMPTY,
      ending$.pipe(concatMap((ending) => finish$(fleet, cgroups, opened, ending, settings))),
    )
      .pipe(
        takeWhile((event) => !isManagerTerminal(event), true),
        tap((event) => {
          fold?.see(event);
          // Daemon events are logged by their own pipeline.
          if (isFleetEvent(event)) logFleetEvent(logger, event);
        }),
      );
    // The edge of the pipeline, outside it: whether the manager told its end is its observer's to know.
    let ended = false;
    const running = events$.subscribe({
      next: (event) => {
        subscriber.next(event);
      },
      error: (error: unknown) => {
        subscriber.error(error);
      },
      // Only the terminal event completes it (the fleet's events never do).
      complete: () => {
        ended = true;
        subscriber.complete();
      },
    });
    return () => {
      running.unsubscribe();
      // As with one daemon: leaving is not detaching. The daemons stop in the background, then the lock is let go.
      if (!ended) concat(killAll$(fleet, cgroups), defer(() => (release(opened), EMPTY))).subscribe();
    };
  });

/**
 * Runs a set of daemons equal to the latest desired set (M1–M8). The first
 * set is applied at once (after restoring what an earlier manager of the
 * data dir left); later ones are coalesced. Emits every daemon's events,
 * tagged with its id, and the manager's own; completes after
 * `manager-closed`, `manager-stopped` or `manager-refused`. Unsubscribing
 * stops every daemon, in the background.
 *
 * @example
 * const web = { command: 'envoy', args: ['-c', 'web.yaml'] };
 * const desired$ = new BehaviorSubject<DesiredSet>({ web });
 * manage(desired$, { dataDir: '/var/lib/agent/daemons' }).subscribe((event) => console.log(event));
 * desired$.next({ web, api: { command: 'envoy', args: ['-c', 'api.yaml'] } }); // starts `api` only
 */
export const manage = (desired$: Observable<DesiredSet>, options: ManagerOptions = {}): Observable<ManagerEvent> => manageFolding(desired$, options, undefined);

/** {@link manage}, its events folded into `states` as they are emitted (`Manager`'s, so its states and control.sock's status are one fold). */
export const manageFolding = (desired$: Observable<DesiredSet>, options: ManagerOptions, states: DaemonStates | undefined): Observable<ManagerEvent> => {
  const settings = settle(options);
  return defer(() => {
    const { driver, scheduler } = settings.daemon;
    // Decided before the data dir is touched: a manager refused for want of cgroups takes no lock.
    const contained = decideContainment(settings.containment, () => driver.cgroups.discover(settings.cgroupRoot));
    if (isLeft(contained)) return of<ManagerEvent>({ type: 'manager-refused', at: scheduler.now(), code: 'ECGROUP', message: contained.left.message });
    const opened: Either<Pick<ManagerRefusedEvent, 'code' | 'message'>, OpenedDataDir | undefined> =
      settings.dataDir === undefined ? right(undefined) : openDataDir(settings.dataDir, driver, settings.idVariable, scheduler.now());
    if (isLeft(opened)) return of<ManagerEvent>({ type: 'manager-refused', at: scheduler.now(), ...opened.left });
    return managed$(desired$, settings, contained.right, opened.right, states);
  });
};
