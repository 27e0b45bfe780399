import { defer, map, merge, of, takeWhile, tap, timer, type Observable } from 'rxjs';
import type { DaemonEvent, ExitedEvent } from '../events.js';
import type { DaemonContext } from './context.js';
import type { Running } from './running.js';

/**
 * The `exited` event of a running process, once it is gone. From this
 * moment the process is no longer current, so nothing will signal its pid.
 */
export const exited$ = (ctx: DaemonContext, running: Running, pollMs: number): Observable<ExitedEvent> =>
  running.exit(pollMs).pipe(
    tap(({ code, signal }) => {
      ctx.current = undefined;
      ctx.last = { kind: 'exited', code, signal, adopted: running.adopted };
    }),
    map(({ code, signal }) => ctx.event('exited', { pid: running.pid, code, signal, adopted: running.adopted })),
  );

/** Emits `event` and makes `running` the current process: from now on a stop signals it. */
export const supervising$ = (ctx: DaemonContext, running: Running, event: DaemonEvent): Observable<DaemonEvent> =>
  defer(() => {
    ctx.current = running;
    return of(event);
  });

/**
 * Follows a running process to its exit. R2: a run of `healthyAfterMs`,
 * timed from the process's own start and so never counting a backoff,
 * resets the attempt counter.
 */
export const untilExit$ = (ctx: DaemonContext, running: Running): Observable<DaemonEvent> => {
  const { restart, scheduler, pollIntervalMs } = ctx.options;
  const healthy$ = timer(restart.healthyAfterMs, scheduler).pipe(
    tap(() => {
      ctx.attempt = 0;
    }),
    map(() => ctx.event('healthy', { pid: running.pid })),
  );
  // `exited` first, so an exit already known on subscription ends the run before the timer starts.
  return merge(exited$(ctx, running, pollIntervalMs), healthy$).pipe(takeWhile((event) => event.type !== 'exited', true));
};
