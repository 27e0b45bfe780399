import { defer, Observable, of, type Subscription } from 'rxjs';
import type { DaemonEvent } from '../events.js';
import type { ExitStatus } from '../process/driver.js';
import { exited$, type Run } from './exit.js';
import { gracefulStop$ } from './graceful-stop.js';
import { RunEnd } from './run-end.js';
import type { Ending, Supervision } from './supervision.js';

/** What ends a run: its process's own exit, an ending asked for, or a restart asked for. */
type Outcome = { readonly kind: 'exit'; readonly status: ExitStatus } | { readonly kind: Ending | 'restart' };

const settle$ = (sup: Supervision, run: Run, outcome: Outcome): Observable<DaemonEvent | RunEnd> => {
  switch (outcome.kind) {
    case 'exit':
      return exited$(sup, run, outcome.status);
    case 'stop':
    case 'restart':
      return gracefulStop$(sup, run, outcome.kind);
    case 'close':
      // S4: no signal; the process runs on, and the pid file stays.
      return defer(() => {
        run.running.release();
        return of(new RunEnd(run.attempt, { kind: 'closed', pid: run.running.pid }, sup.options.scheduler.now() - run.startedAt));
      });
  }
};

/**
 * A running process, followed to the end of its run: its exit, or the stop,
 * close or restart asked for meanwhile, whichever comes first; then what that
 * outcome calls for, ending with the run's {@link RunEnd}. R2: a run of
 * `stableAfterMs`, timed from the process's own start and so never
 * counting a backoff, is `stable`.
 *
 * This is the state a daemon spends its life in, a thousand of them at
 * once, so it is written out by hand rather than composed of operators:
 * three subscriptions and one timer, where `merge`, `take`, `connect`,
 * `takeUntil` and `mergeMap` held a dozen subscribers and some seventy
 * closures per daemon (P3).
 */
export const life$ = (sup: Supervision, run: Run): Observable<DaemonEvent | RunEnd> =>
  new Observable((subscriber) => {
    const { restart, scheduler, pollIntervalMs } = sup.options;
    const watching: Subscription[] = [];
    let settling: Subscription | undefined;
    const decide = (outcome: Outcome): void => {
      if (settling !== undefined) return;
      for (const watch of watching.splice(0)) watch.unsubscribe();
      settling = settle$(sup, run, outcome).subscribe(subscriber);
    };
    // A watch whose subscription returns after the outcome (one emitted synchronously) is let go at once.
    const watch = (subscription: Subscription): void => {
      if (settling === undefined) watching.push(subscription);
      else subscription.unsubscribe();
    };
    // The exit first, so an exit already known when the run starts watching ends it as an exit.
    watch(
      run.running.exit(pollIntervalMs).subscribe((status) => {
        decide({ kind: 'exit', status });
      }),
    );
    watch(
      sup.ending$.subscribe((kind) => {
        decide({ kind });
      }),
    );
    watch(
      sup.restart$.subscribe(() => {
        decide({ kind: 'restart' });
      }),
    );
    watch(
      scheduler.schedule(() => {
        subscriber.next(sup.event('stable', { pid: run.running.pid }));
      }, restart.stableAfterMs),
    );
    return () => {
      for (const watch of watching) watch.unsubscribe();
      settling?.unsubscribe();
    };
  });
