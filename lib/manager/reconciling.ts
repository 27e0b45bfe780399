import { isLeft } from 'fp-ts/lib/Either.js';
import { catchError, concat, concatMap, connect, defer, EMPTY, from, map, of, take, type Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { errorFields } from '../events.js';
import type { Marked } from '../process/driver.js';
import { coalesce, type CoalesceTiming } from './coalesce.js';
import type { ManagerEvent } from './events.js';
import type { Fleet } from './fleet.js';
import { checkId } from './ids.js';
import type { DesiredSet } from './manage.js';
import type { Found } from './records.js';
import { checkOrder } from './order.js';
import { checkService, type Service } from './service.js';

/** What the first desired set is reconciled against: an earlier manager's records and its scope's live processes. */
export interface Restore {
  readonly found: Found;
  readonly marked: readonly Marked[];
  readonly snapshotPath: string;
}

/** Splits a desired set into the entries to run and an event for each entry that cannot be (M6). */
const validate = (desired: DesiredSet, withDataDir: boolean, now: number): { commands: Map<string, Service>; rejected: ManagerEvent[] } => {
  const commands = new Map<string, Service>();
  const rejected: ManagerEvent[] = [];
  const reject = (id: string, message: string): void => {
    rejected.push({ type: 'invalid-entry', at: now, id, message });
  };
  for (const [id, command] of Object.entries(desired)) {
    const checked = checkId(id);
    if (isLeft(checked)) {
      reject(id, checked.left);
      continue;
    }
    try {
      commands.set(id, checkService(command, id, withDataDir));
    } catch (error) {
      reject(id, errorFields(error).message);
    }
  }
  // Whose `after` names an unknown id or closes a cycle is skipped too, alone (M1 with dependencies).
  const { runnable, problems } = checkOrder(commands);
  for (const { id, message } of problems) reject(id, message);
  return { commands: runnable, rejected };
};

const apply$ = (fleet: Fleet, desired: DesiredSet, restore: Restore | undefined, withDataDir: boolean, scheduler: SchedulerLike): Observable<ManagerEvent> =>
  defer(() => {
    const now = scheduler.now();
    const { commands, rejected } = validate(desired, withDataDir, now);
    const corrupt = restore?.found.corrupt;
    const warnings: ManagerEvent[] =
      corrupt === undefined || restore === undefined ? rejected : [...rejected, { type: 'snapshot-corrupt', at: now, path: restore.snapshotPath, ...corrupt }];
    return concat(
      from(warnings),
      defer(() => {
        if (restore === undefined) fleet.reconcile(commands);
        else fleet.restore(restore.found, restore.marked, commands);
        return EMPTY;
      }),
    );
  });

/**
 * Keeps a fleet equal to the latest desired set: the first set at once,
 * against what an earlier manager left (M4, M8); every later one coalesced
 * (M2). Emits the warnings about each set; the fleet emits what it does.
 * When `desired$` completes, the last set is kept; when it errs (a fault of
 * the user's stream, not of the manager), a set still waiting is applied,
 * then `desired-error`, and the running set is kept all the same.
 */
export const reconciling =
  (fleet: Fleet, restore: Restore | undefined, timing: CoalesceTiming & { readonly withDataDir: boolean }, scheduler: SchedulerLike): OperatorFunction<DesiredSet, ManagerEvent> =>
  (desired$) =>
    defer(() => {
      let failure: { readonly error: unknown } | undefined;
      const sets$ = desired$.pipe(
        catchError((error: unknown) => {
          failure = { error };
          return EMPTY;
        }),
      );
      return concat(
        applied$(sets$, fleet, restore, timing, scheduler),
        defer(() => (failure === undefined ? EMPTY : of<ManagerEvent>({ type: 'desired-error', at: scheduler.now(), error: errorFields(failure.error) }))),
      );
    });

const applied$ = (
  desired$: Observable<DesiredSet>,
  fleet: Fleet,
  restore: Restore | undefined,
  timing: CoalesceTiming & { readonly withDataDir: boolean },
  scheduler: SchedulerLike,
): Observable<ManagerEvent> =>
    desired$.pipe(
      connect((shared$) =>
        concat(
          shared$.pipe(
            take(1),
            map((desired) => apply$(fleet, desired, restore, timing.withDataDir, scheduler)),
          ),
          shared$.pipe(
            coalesce(timing, scheduler),
            map((desired) => apply$(fleet, desired, undefined, timing.withDataDir, scheduler)),
          ),
        ),
      ),
      concatMap((applied$) => applied$),
    );
