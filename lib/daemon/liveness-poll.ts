import { interval, Observable, switchMap, take, type SchedulerLike, type Subscription } from 'rxjs';
import type { ExitStatus, Processes, ProcessWatch } from '../process/processes.js';
import type { ProcessIdentity } from '../process/identity.js';

interface Watcher {
  readonly watch: ProcessWatch;
  readonly onGone: () => void;
}

/**
 * Every process polled at one period on one scheduler: one timer for all of
 * them, and at each tick one pass over their watches. It runs only while it
 * has something to watch.
 */
class PollGroup {
  private readonly watchers = new Set<Watcher>();
  private ticking: Subscription | undefined;

  constructor(
    private readonly periodMs: number,
    private readonly scheduler: SchedulerLike,
  ) {}

  add(watcher: Watcher): void {
    this.watchers.add(watcher);
    this.ticking ??= interval(this.periodMs, this.scheduler).subscribe(() => {
      this.tick();
    });
  }

  remove(watcher: Watcher): void {
    this.watchers.delete(watcher);
    if (this.watchers.size === 0) {
      this.ticking?.unsubscribe();
      this.ticking = undefined;
    }
  }

  private tick(): void {
    for (const watcher of [...this.watchers]) {
      // Let go during this pass (unsubscribed by what an earlier watcher's end set off): its watch is closed, and
      // a look through a closed descriptor would read whatever file has since been given its number.
      if (!this.watchers.has(watcher)) continue;
      if (watcher.watch.gone()) {
        this.remove(watcher);
        watcher.onGone();
      }
    }
  }
}

const groups = new WeakMap<SchedulerLike, Map<number, PollGroup>>();

const groupFor = (periodMs: number, scheduler: SchedulerLike): PollGroup => {
  let byPeriod = groups.get(scheduler);
  if (byPeriod === undefined) {
    byPeriod = new Map();
    groups.set(scheduler, byPeriod);
  }
  let group = byPeriod.get(periodMs);
  if (group === undefined) {
    group = new PollGroup(periodMs, scheduler);
    byPeriod.set(periodMs, group);
  }
  return group;
};

/** An adopted process's end is unknown: neither code nor signal can be learnt from outside. */
export const UNKNOWN_EXIT: ExitStatus = { code: null, signal: null };

/**
 * The process watched (its descriptor held) for as long as it is
 * subscribed: emits the watch, and closes it at the end. Shared (an adopted
 * process's run and the stop that takes over from it), it is opened once.
 */
export const processWatch$ = (processes: Processes, target: ProcessIdentity): Observable<ProcessWatch> =>
  new Observable<ProcessWatch>((subscriber) => {
    const watch = processes.watch(target);
    subscriber.next(watch);
    return () => {
      watch.close();
    };
  });

/**
 * Emits once, then completes, on the first tick at which the process that
 * `watch$` watches is gone: exited, a zombie, or its pid now held by
 * another process. All processes polled at one period on one scheduler
 * share one timer, so 1,000 adopted processes cost one timer, not 1,000.
 */
export const pollWatched = (watch$: Observable<ProcessWatch>, periodMs: number, scheduler: SchedulerLike): Observable<ExitStatus> =>
  // take(1): a shared watch never completes, and an exit is one value.
  watch$.pipe(switchMap((watch) => pollWatch(watch, periodMs, scheduler)), take(1));

/** {@link pollWatched} of a watch of its own, opened at the subscription and closed at its end. */
export const pollUntilGone = (processes: Processes, target: ProcessIdentity, periodMs: number, scheduler: SchedulerLike): Observable<ExitStatus> =>
  pollWatched(processWatch$(processes, target), periodMs, scheduler);

/** `watch` in its period's poll group while subscribed: emits {@link UNKNOWN_EXIT} when it says the process is gone. */
const pollWatch = (watch: ProcessWatch, periodMs: number, scheduler: SchedulerLike): Observable<ExitStatus> =>
  new Observable<ExitStatus>((subscriber) => {
    const group = groupFor(periodMs, scheduler);
    const watcher: Watcher = {
      watch,
      onGone: () => {
        subscriber.next(UNKNOWN_EXIT);
        subscriber.complete();
      },
    };
    group.add(watcher);
    return () => {
      group.remove(watcher);
    };
  });
