import { concat, defer, EMPTY, of, retry, throwError, timer, type Observable } from 'rxjs';
import type { DaemonEvent } from '../events.js';
import { adoptedRun$ } from './adopted.js';
import type { DaemonContext } from './context.js';
import type { Running } from './running.js';
import { spawnedRun$ } from './spawned.js';

/**
 * Ends a run that should be followed by another: `retry` catches it and
 * resubscribes after `delayMs`. It never leaves the restart loop.
 */
class Restart {
  constructor(readonly delayMs: number) {}
}

/**
 * After a run: asks the policy about the next attempt. Either a backoff
 * (its event, then a {@link Restart} for `retry`), an immediate
 * {@link Restart}, or `gave-up`, terminal, once the pid file is gone.
 */
const decide$ = (ctx: DaemonContext): Observable<DaemonEvent> =>
  defer(() => {
    const { last } = ctx;
    if (last === undefined) throw new Error('bug: a run ended without saying how');
    const attempt = ctx.attempt + 1;
    const decision = ctx.options.restart.next({ attempt, last });
    if (decision.kind === 'give-up') {
      ctx.pidFile.removeThen(() => ctx.event('gave-up', { attempts: ctx.attempt, reason: decision.reason }));
      return EMPTY;
    }
    const restart$ = throwError(() => new Restart(decision.delayMs));
    return decision.delayMs > 0 ? concat(of(ctx.event('backoff', { attempt, delayMs: decision.delayMs })), restart$) : restart$;
  });

/**
 * The restart loop: a run (the adopted process first, if any, then spawns),
 * then the policy's decision, again and again. Restarts are `retry` with a
 * delay the policy computed; a zero delay resubscribes at once, without a
 * timer, so an immediate restart costs no event-loop turn.
 */
export const restartLoop$ = (ctx: DaemonContext, adopted: Running | undefined): Observable<DaemonEvent> => {
  let adoptee = adopted;
  const run$ = defer(() => {
    const first = adoptee;
    adoptee = undefined;
    return concat(first === undefined ? spawnedRun$(ctx) : adoptedRun$(ctx, first), decide$(ctx));
  });
  return run$.pipe(
    retry({
      delay: (error: unknown) => {
        if (!(error instanceof Restart)) return throwError(() => error);
        return error.delayMs === 0 ? of(0) : timer(error.delayMs, ctx.options.scheduler);
      },
    }),
  );
};
