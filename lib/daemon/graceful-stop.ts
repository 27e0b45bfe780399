import { concat, defer, EMPTY, mergeMap, of, race, timer, type Observable } from 'rxjs';
import { isRight } from 'fp-ts/lib/Either.js';
import type { DaemonEvent } from '../events.js';
import type { DaemonContext } from './context.js';
import type { Running } from './running.js';
import { exited$ } from './watch.js';

// A SIGKILL that was refused because the process is already gone (ESRCH, a
// reused pid) needs no report: its exit is about to be observed.
const kill$ = (ctx: DaemonContext, running: Running, exit$: Observable<DaemonEvent>): Observable<DaemonEvent> =>
  defer(() => {
    ctx.signal(running, 'SIGKILL');
    return concat(of(ctx.event('killing', { pid: running.pid, signal: 'SIGKILL' })), exit$);
  });

/**
 * S3 for a running process: SIGINT, then up to `gracefulStopMs` for the
 * exit, then SIGKILL and the exit confirmed. An adopted process is polled
 * fast meanwhile, so the stop ends soon after it does.
 */
const stopProcess$ = (ctx: DaemonContext, running: Running): Observable<DaemonEvent> =>
  defer(() => {
    const { gracefulStopMs, scheduler, stopPollIntervalMs, logger } = ctx.options;
    const exit$ = exited$(ctx, running, stopPollIntervalMs);
    const sent = ctx.signal(running, 'SIGINT');
    if (!isRight(sent)) {
      // Gone already (its exit is on the way) or not ours to signal: either way, SIGKILL after the grace period settles it.
      logger.debug(`rxdaemon: SIGINT to ${running.pid} not sent: ${sent.left.message}`);
    }
    const graceRanOut$ = timer(gracefulStopMs, scheduler).pipe(mergeMap(() => kill$(ctx, running, exit$)));
    return concat(
      isRight(sent) ? of(ctx.event('stopping', { pid: running.pid, signal: 'SIGINT' })) : EMPTY,
      race(exit$, graceRanOut$),
    );
  });

/**
 * The graceful stop (S3): ends the current process if there is one, then
 * removes the pid file (even when signalling failed) and emits `stopped`.
 * A stop during backoff has no process, so it ends at once.
 */
export const gracefulStop$ = (ctx: DaemonContext): Observable<DaemonEvent> =>
  defer(() => {
    const running = ctx.current;
    return concat(
      running === undefined ? EMPTY : stopProcess$(ctx, running),
      defer(() => {
        ctx.pidFile.removeThen(() => ctx.event('stopped', {}));
        return EMPTY;
      }),
    );
  });

/** S4: stops supervising without a signal. The process runs on, the pid file stays. */
export const close$ = (ctx: DaemonContext): Observable<DaemonEvent> =>
  defer(() => {
    const running = ctx.current;
    running?.release();
    return of(ctx.event('closed', running === undefined ? {} : { pid: running.pid }));
  });
