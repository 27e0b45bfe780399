import { isLeft } from 'fp-ts/lib/Either.js';
import { catchError, concat, concatMap, connect, defer, EMPTY, map, of, ReplaySubject, take, takeWhile, type Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { errorFields } from '../events.js';
import type { Marked } from '../process/system-scans.js';
import { coalesce, type CoalesceTiming } from './coalesce.js';
import type { ManagerEvent } from './events.js';
import type { Fleet } from './fleet.js';
import type { Rejected } from './wanted.js';
import { checkId } from './ids.js';
import { checkService, type DesiredSet, type Service } from './service.js';
import type { ServiceCgroups } from './service-cgroups.js';
import type { Found } from './records.js';
import { checkOrder } from './order.js';

/** What the first desired set is reconciled against: an earlier manager's records and its scope's live processes. */
export interface Restore {
  readonly found: Found;
  readonly marked: readonly Marked[];
  readonly snapshotPath: string;
}

/** How each set is checked: with a data dir or not, and each service's cgroup made and limited (Containment). */
export interface Checking {
  readonly withDataDir: boolean;
  readonly cgroups: Pick<ServiceCgroups, 'prepare'>;
}

/** Splits a desired set into the entries to run and the entries that cannot be run, each with why (M6, `after`, its cgroup or limits). */
const validate = (desired: DesiredSet, { withDataDir, cgroups }: Checking): { commands: Map<string, Service>; rejected: Rejected[] } => {
  const commands = new Map<string, Service>();
  const rejected: Rejected[] = [];
  for (const [id, command] of Object.entries(desired)) {
    const checked = checkId(id);
    if (isLeft(checked)) {
      rejected.push({ id, message: checked.left });
      continue;
    }
    const service = checkService(command, id, withDataDir);
    if (isLeft(service)) rejected.push({ id, message: service.left });
    else commands.set(id, service.right);
  }
  // Whose `after` names an unknown id or closes a cycle is skipped too, alone (M1 with dependencies).
  const { runnable, problems } = checkOrder(commands);
  // A limit that cannot apply is never dropped: that service alone does not start (ELIMITS), nor one whose cgroup cannot be made.
  const refused = [...runnable].flatMap(([id, service]) => {
    const prepared = cgroups.prepare(id, service);
    return isLeft(prepared) ? [service.oneshot === true ? { ...prepared.left, oneshot: true as const } : prepared.left] : [];
  });
  for (const { id } of refused) runnable.delete(id);
  return { commands: runnable, rejected: [...rejected, ...problems, ...refused] };
};

const apply$ = (fleet: Fleet, desired: DesiredSet, restore: Restore | undefined, checking: Checking, scheduler: SchedulerLike): Observable<ManagerEvent> =>
  defer(() => {
    const { commands, rejected } = validate(desired, checking);
    const corrupt = restore?.found.corrupt;
    return concat(
      corrupt === undefined || restore === undefined ? EMPTY : of<ManagerEvent>({ type: 'snapshot-corrupt', at: scheduler.now(), path: restore.snapshotPath, ...corrupt }),
      defer(() => {
        if (restore === undefined) fleet.reconcile(commands, rejected);
        else fleet.restore(restore.found, restore.marked, commands, rejected);
        return EMPTY;
      }),
    );
  });

/** What the user's stream of desired sets gave: a set, or, last, the error it failed with. */
type Given = { readonly set: DesiredSet } | { readonly error: unknown };

const isSet = (given: Given): given is { readonly set: DesiredSet } => 'set' in given;

/**
 * Keeps a fleet equal to the latest desired set: the first set at once,
 * against what an earlier manager left (M4, M8); every later one coalesced
 * (M2). Emits `snapshot-corrupt` before the first set; the fleet emits what
 * it does, an `invalid-entry` for each entry that cannot be run included.
 * When `desired$` completes, the last set is kept; when it errs (a fault of
 * the user's stream, not of the manager), a set still waiting is applied,
 * then `desired-error`, and the running set is kept all the same.
 */
export const reconcileDesiredSets =
  (fleet: Fleet, restore: Restore | undefined, timing: CoalesceTiming & Checking, scheduler: SchedulerLike): OperatorFunction<DesiredSet, ManagerEvent> =>
  (desired$) =>
    desired$.pipe(
      map((set): Given => ({ set })),
      // The user's stream failed: its error becomes the last value it gave, told once the sets before it are applied.
      catchError((error: unknown) => of<Given>({ error })),
      connect(
        (given$) =>
          concat(
            applied$(given$.pipe(takeWhile(isSet), map(({ set }) => set)), fleet, restore, timing, scheduler),
            given$.pipe(concatMap((given) => (isSet(given) ? EMPTY : of<ManagerEvent>({ type: 'desired-error', at: scheduler.now(), error: errorFields(given.error) })))),
          ),
        // The last value given is replayed to the error's branch, which is subscribed only once the sets are applied.
        { connector: () => new ReplaySubject<Given>(1) },
      ),
    );

const applied$ = (
  desired$: Observable<DesiredSet>,
  fleet: Fleet,
  restore: Restore | undefined,
  timing: CoalesceTiming & Checking,
  scheduler: SchedulerLike,
): Observable<ManagerEvent> =>
    desired$.pipe(
      connect((shared$) =>
        concat(
          shared$.pipe(
            take(1),
            map((desired) => apply$(fleet, desired, restore, timing, scheduler)),
          ),
          shared$.pipe(
            coalesce(timing, scheduler),
            map((desired) => apply$(fleet, desired, undefined, timing, scheduler)),
          ),
        ),
      ),
      concatMap((applied$) => applied$),
    );
