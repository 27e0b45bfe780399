import { isLeft } from 'fp-ts/lib/Either.js';
import {
  catchError,
  concat,
  concatMap,
  connect,
  defer,
  EMPTY,
  ignoreElements,
  map,
  merge,
  NEVER,
  Observable,
  of,
  share,
  take,
  takeUntil,
  takeWhile,
  tap,
  throttleTime,
  type Subscription,
} from 'rxjs';
import { checkCommand, type Command } from '../command.js';
import { errorFields } from '../events.js';
import { resolveOptions, type DaemonOptions } from '../options.js';
import { checkDuration } from '../validate.js';
import { coalesce } from './coalesce.js';
import { DataDir, snapshotText } from './data-dir.js';
import { isFleetEvent, isManagerTerminal, type ManagerEvent } from './events.js';
import { logFleetEvent } from './log-fleet-event.js';
import { Fleet } from './fleet.js';
import { checkId } from './ids.js';
import { acquireLock, type DataDirLock } from './lock.js';

/** The desired state: one command per id. The id is the key; a command's own `id` is replaced by it. */
export type DesiredSet = Readonly<Record<string, Command>>;

/** Options of {@link manage}: every daemon's options, plus the manager's own. */
export interface ManagerOptions extends Omit<DaemonOptions, 'pidFile' | 'stdout' | 'stderr'> {
  /** Where logs, pid files, the snapshot and the lock live (M3). Without one, nothing is written and nothing restored. */
  readonly dataDir?: string;
  /** Quiet time before a change is reconciled (M2). Default 500 ms. */
  readonly quietMs?: number;
  /** Longest wait before a change is reconciled, however busy the source (M2). Default 5000 ms. */
  readonly maxWaitMs?: number;
  /** snapshot.json is written at most this often, and only when it changed (M3). Default 1000 ms. */
  readonly snapshotIntervalMs?: number;
  /** The first emission detaches every daemon and writes the final snapshot (M5); the stream completes after `manager-closed`. */
  readonly close$?: Observable<unknown>;
  /** The first emission stops every daemon and empties the snapshot (M5); the stream completes after `manager-stopped`. */
  readonly kill$?: Observable<unknown>;
}

/** Splits a desired set into the entries to run and events for the entries that cannot be (M6). */
const validate = (desired: DesiredSet): { commands: Map<string, Command>; rejected: { id: string; message: string }[] } => {
  const commands = new Map<string, Command>();
  const rejected: { id: string; message: string }[] = [];
  for (const [id, command] of Object.entries(desired)) {
    const checked = checkId(id);
    if (isLeft(checked)) {
      rejected.push({ id, message: checked.left });
      continue;
    }
    try {
      commands.set(id, checkCommand({ ...command, id }));
    } catch (error) {
      rejected.push({ id, message: errorFields(error).message });
    }
  }
  return { commands, rejected };
};

/**
 * Runs a set of daemons equal to the latest desired set (M1–M7). The first
 * set is applied at once (after restoring from the data dir's snapshot);
 * later ones are coalesced. Emits every daemon's events, tagged with its id,
 * and the manager's own; completes after `manager-closed`,
 * `manager-stopped` or `manager-refused`. Unsubscribing stops every daemon,
 * in the background.
 *
 * @example
 * const desired$ = new BehaviorSubject({ web: { command: 'envoy', args: ['-c', 'web.yaml'] } });
 * manage(desired$, { dataDir: '/var/lib/agent/daemons' }).subscribe((event) => console.log(event));
 * desired$.next({ web: …, api: { command: 'envoy', args: ['-c', 'api.yaml'] } });  // starts `api` only
 */
export const manage = (desired$: Observable<DesiredSet>, options: ManagerOptions = {}): Observable<ManagerEvent> => {
  const { dataDir: root, quietMs = 500, maxWaitMs = 5_000, snapshotIntervalMs = 1_000, close$ = NEVER, kill$ = NEVER, ...daemonOptions } = options;
  checkDuration('quietMs', quietMs);
  checkDuration('maxWaitMs', maxWaitMs);
  checkDuration('snapshotIntervalMs', snapshotIntervalMs);
  const { scheduler, driver, logger, restart } = resolveOptions(daemonOptions);
  const refused = (code: 'ELOCKED' | 'EDATADIR', message: string): Observable<ManagerEvent> =>
    of({ type: 'manager-refused', at: scheduler.now(), code, message });

  return defer(() => {
    const dataDir = root === undefined ? undefined : new DataDir(root);
    let lock: DataDirLock | undefined;
    if (dataDir !== undefined) {
      const prepared = dataDir.prepare();
      if (isLeft(prepared)) return refused('EDATADIR', `cannot use the data dir ${dataDir.root}: ${prepared.left.message}`);
      const locked = acquireLock(dataDir.lockPath, driver);
      if (isLeft(locked)) return refused('ELOCKED', locked.left);
      lock = locked.right;
    }
    return new Observable<ManagerEvent>((subscriber) => {
      // Resolved once here, so a thousand daemons share one policy rather than each making the default.
      const fleet = new Fleet({ ...daemonOptions, scheduler, driver, restart }, dataDir);
      let lastWritten: string | undefined;
      const writeSnapshot$ = (): Observable<ManagerEvent> =>
        defer(() => {
          if (dataDir === undefined) return EMPTY;
          const daemons = fleet.snapshot();
          const text = snapshotText(daemons);
          if (text === lastWritten) return EMPTY;
          return dataDir.writeSnapshot(text).pipe(
            map((): ManagerEvent => {
              lastWritten = text;
              return { type: 'snapshot-written', at: scheduler.now(), path: dataDir.snapshotPath, daemons: Object.keys(daemons).length };
            }),
            catchError((error: unknown) => of<ManagerEvent>({ type: 'snapshot-error', at: scheduler.now(), path: dataDir.snapshotPath, error: errorFields(error) })),
          );
        });

      const apply = (desired: DesiredSet, first: boolean): void => {
        const { commands, rejected } = validate(desired);
        for (const { id, message } of rejected) fleet.events$.next({ type: 'invalid-entry', at: scheduler.now(), id, message });
        if (first && dataDir !== undefined) {
          const read = dataDir.readSnapshot(scheduler.now());
          if (read.kind === 'corrupt') {
            fleet.events$.next({ type: 'snapshot-corrupt', at: scheduler.now(), path: dataDir.snapshotPath, movedTo: read.movedTo, message: read.message });
          }
          if (read.kind === 'ok') {
            fleet.restore(read.daemons, commands);
            return;
          }
        }
        fleet.reconcile(commands);
      };

      // The first set at once; every later one coalesced (M2).
      const reconciles$ = desired$.pipe(
        connect((shared$) =>
          concat(
            shared$.pipe(
              take(1),
              tap((desired) => {
                apply(desired, true);
              }),
            ),
            shared$.pipe(
              coalesce(quietMs, maxWaitMs, scheduler),
              tap((desired) => {
                apply(desired, false);
              }),
            ),
          ),
        ),
        ignoreElements(),
      );

      // At most one write per interval, and only of a snapshot that changed (M3).
      const snapshots$ = fleet.changed$.pipe(throttleTime(snapshotIntervalMs, scheduler, { leading: true, trailing: true }), concatMap(writeSnapshot$));

      const ending$ = merge(close$.pipe(map(() => 'close' as const)), kill$.pipe(map(() => 'kill' as const))).pipe(take(1), share());
      const finish = (ending: 'close' | 'kill'): Observable<ManagerEvent> =>
        concat(
          ending === 'close' ? fleet.closeAll() : fleet.killAll(),
          // M5: close leaves the final snapshot; kill leaves an empty one.
          defer(() => {
            if (ending === 'kill') lastWritten = undefined;
            return writeSnapshot$();
          }),
          defer(() => {
            lock?.release();
            return of<ManagerEvent>({ type: ending === 'close' ? 'manager-closed' : 'manager-stopped', at: scheduler.now() });
          }),
        );

      let ended = false;
      const subscription: Subscription = merge(
        fleet.events$,
        reconciles$.pipe(takeUntil(ending$)),
        snapshots$.pipe(takeUntil(ending$)),
        ending$.pipe(concatMap(finish)),
      )
        .pipe(
          takeWhile((event) => !isManagerTerminal(event), true),
          tap((event) => {
            // Daemon events are logged by their own pipeline.
            if (isFleetEvent(event)) logFleetEvent(logger, event);
          }),
        )
        .subscribe({
          next: (event) => {
            ended ||= isManagerTerminal(event);
            subscriber.next(event);
          },
          error: (error: unknown) => {
            subscriber.error(error);
          },
          complete: () => {
            subscriber.complete();
          },
        });
      return () => {
        subscription.unsubscribe();
        // As with one daemon: leaving is not detaching. The daemons stop in the background.
        if (!ended) concat(fleet.killAll(), defer(() => (lock?.release(), EMPTY))).subscribe();
      };
    });
  });
};
