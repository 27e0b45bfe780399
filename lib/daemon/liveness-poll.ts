import { filter, interval, map, share, take, type Observable, type SchedulerLike } from 'rxjs';
import type { ExitStatus, ProcessDriver } from '../process/driver.js';

const ticks = new WeakMap<SchedulerLike, Map<number, Observable<number>>>();

/**
 * One timer per scheduler and period, shared by every adopted process that
 * polls at that period: 1,000 adopted processes cost one timer, not 1,000.
 * It stops when its last watcher leaves.
 */
export const sharedInterval = (periodMs: number, scheduler: SchedulerLike): Observable<number> => {
  let byPeriod = ticks.get(scheduler);
  if (byPeriod === undefined) {
    byPeriod = new Map();
    ticks.set(scheduler, byPeriod);
  }
  let tick$ = byPeriod.get(periodMs);
  if (tick$ === undefined) {
    tick$ = interval(periodMs, scheduler).pipe(share());
    byPeriod.set(periodMs, tick$);
  }
  return tick$;
};

/** An adopted process's end is unknown: neither code nor signal can be learnt from outside. */
const UNKNOWN_EXIT: ExitStatus = { code: null, signal: null };

/**
 * Emits once, on the first tick at which the process is gone: no such pid,
 * a zombie, or a pid that now belongs to a process with another start time.
 */
export const pollUntilGone = (
  driver: ProcessDriver,
  pid: number,
  startTime: string | null,
  tick$: Observable<number>,
): Observable<ExitStatus> =>
  tick$.pipe(
    map(() => driver.probe(pid)),
    filter((probe) => probe.state === 'dead' || (startTime !== null && probe.startTime !== null && probe.startTime !== startTime)),
    take(1),
    map(() => UNKNOWN_EXIT),
  );
