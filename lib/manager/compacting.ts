import { concatMap, defer, of, throttleTime, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { errorFields } from '../events.js';
import type { ManagerEvent } from './events.js';
import type { Records } from './records.js';

/** Writes the records whole to snapshot.json now: `snapshot-written`, or `snapshot-error` (the journal still holds every change). */
export const compact$ = (records: Records, path: string, scheduler: SchedulerLike) =>
  defer(() => {
    try {
      const daemons = records.compact();
      return of<ManagerEvent>({ type: 'snapshot-written', at: scheduler.now(), path, daemons });
    } catch (error) {
      return of<ManagerEvent>({ type: 'snapshot-error', at: scheduler.now(), path, error: errorFields(error) });
    }
  });

/**
 * M3: snapshot.json is rewritten at most once per `intervalMs` after the
 * records change. The throttle only ever delays a compaction: every change
 * is already on disk, in the journal, when it is pinged (M8).
 */
export const compacting =
  (records: Records, path: string, intervalMs: number, scheduler: SchedulerLike): OperatorFunction<void, ManagerEvent> =>
  (changed$) =>
    changed$.pipe(
      throttleTime(intervalMs, scheduler, { leading: true, trailing: true }),
      concatMap(() => compact$(records, path, scheduler)),
    );
