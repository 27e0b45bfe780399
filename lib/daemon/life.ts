import { connect, defer, map, merge, mergeMap, of, take, takeUntil, timer, type Observable } from 'rxjs';
import type { DaemonEvent } from '../events.js';
import type { ExitStatus } from '../process/driver.js';
import { exited$, type Run } from './exit.js';
import { gracefulStop$ } from './graceful-stop.js';
import { RunEnd } from './run-end.js';
import type { Ending, Supervision } from './supervision.js';

/** What ends a run: its process's own exit, or an ending asked for. */
type Outcome = { readonly kind: 'exit'; readonly status: ExitStatus } | { readonly kind: Ending };

const outcome$ = (sup: Supervision, run: Run): Observable<Outcome> =>
  // The exit first, so an exit already known when the run starts watching ends it as an exit.
  merge(
    run.running.exit(sup.options.pollIntervalMs).pipe(map((status) => ({ kind: 'exit', status }) as const)),
    sup.ending$.pipe(map((kind) => ({ kind }) as const)),
  ).pipe(take(1));

const settle$ = (sup: Supervision, run: Run, outcome: Outcome): Observable<DaemonEvent | RunEnd> => {
  switch (outcome.kind) {
    case 'exit':
      return exited$(sup, run, outcome.status);
    case 'stop':
      return gracefulStop$(sup, run, 'stop');
    case 'close':
      // S4: no signal; the process runs on, and the pid file stays.
      return defer(() => {
        run.running.release();
        return of(new RunEnd(run.attempt, { kind: 'closed', pid: run.running.pid }, sup.options.scheduler.now() - run.startedAt));
      });
  }
};

/**
 * A running process, followed to the end of its run: its exit, or the stop
 * or close asked for meanwhile. R2: a run of `healthyAfterMs`, timed from
 * the process's own start and so never counting a backoff, is `healthy`.
 */
export const life$ = (sup: Supervision, run: Run): Observable<DaemonEvent | RunEnd> => {
  const { restart, scheduler } = sup.options;
  return outcome$(sup, run).pipe(
    connect((decided$) =>
      merge(
        timer(restart.healthyAfterMs, scheduler).pipe(
          map(() => sup.event('healthy', { pid: run.running.pid })),
          takeUntil(decided$),
        ),
        decided$.pipe(mergeMap((outcome) => settle$(sup, run, outcome))),
      ),
    ),
  );
};
