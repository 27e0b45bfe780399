import { defer, map, mergeMap, of, race, retry, tap, throwError, timer, type Observable } from 'rxjs';
import type { CheckTarget } from '../checks/check.js';
import { attempt$ } from '../checks/run-check.js';
import type { ResolvedOptions } from '../options.js';

/** How readiness ended: ready, or not within the timeout, with the last failure. */
export type Readiness = { readonly kind: 'ready' } | { readonly kind: 'not-ready'; readonly error: { readonly code: string; readonly message: string } };

const READY: Readiness = { kind: 'ready' };

/**
 * Whether a process becomes ready: its check is tried at once, then every
 * `intervalMs` after an attempt fails (one slower than `attemptTimeoutMs`
 * fails), until one passes; past `timeoutMs` from the start it is
 * `not-ready`, with the last failure (an attempt still running then is cut
 * short). Emits one {@link Readiness}. Without a ready
 * check, a process is ready at once.
 */
export const readiness$ = (ready: ResolvedOptions['ready'], target: CheckTarget): Observable<Readiness> => {
  if (ready === undefined) return of(READY);
  const { check, intervalMs, timeoutMs, attemptTimeoutMs } = ready;
  return defer(() => {
    // The failure the timeout reports: a passing attempt wins the race in the same moment, so only failures matter.
    let lastError = { code: 'ETIMEDOUT', message: `no attempt finished within ${timeoutMs} ms` };
    const passed$ = defer(() => attempt$(check, target, attemptTimeoutMs)).pipe(
      tap((verdict) => {
        if (!verdict.ok) lastError = verdict.error;
      }),
      mergeMap((verdict) => (verdict.ok ? of(READY) : throwError(() => verdict))),
      retry({ delay: () => timer(intervalMs, target.scheduler) }),
    );
    const timedOut$ = timer(timeoutMs, target.scheduler).pipe(map((): Readiness => ({ kind: 'not-ready', error: lastError })));
    return race(passed$, timedOut$);
  });
};
