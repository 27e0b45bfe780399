import { defer, first, map, merge, of, repeat, scan, takeWhile, timer, type Observable } from 'rxjs';
import type { CheckTarget } from '../checks/check.js';
import { attempt$, type Verdict } from '../checks/run-check.js';
import type { ResolvedOptions } from '../options.js';

type Failure = { readonly code: string; readonly message: string };

/** How readiness ended: ready, or not within the timeout, with the last failure. */
export type Readiness = { readonly kind: 'ready' } | { readonly kind: 'not-ready'; readonly error: Failure };

const READY: Readiness = { kind: 'ready' };

/** What the wait for readiness has learnt so far: the failure a timeout would report, and how it ended, once it has. */
interface Learnt {
  readonly lastError: Failure;
  readonly ended?: Readiness;
}

const TIMED_OUT = Symbol('timed out');

/** One more thing learnt: a passing attempt ends the wait ready, a failing one is the last failure, the timeout ends it not ready with that failure. */
const learn = (learnt: Learnt, seen: Verdict | typeof TIMED_OUT): Learnt => {
  if (seen === TIMED_OUT) return { ...learnt, ended: { kind: 'not-ready', error: learnt.lastError } };
  return seen.ok ? { ...learnt, ended: READY } : { lastError: seen.error };
};

/**
 * Whether a process becomes ready: its check is tried at once, then every
 * `intervalMs` after an attempt fails (one slower than `attemptTimeoutMs`
 * fails), until one passes; past `timeoutMs` from the start it is
 * `not-ready`, with the last failure (an attempt still running then is cut
 * short). Emits one {@link Readiness}. Without a ready check, a process is
 * ready at once.
 */
export const readiness$ = (ready: ResolvedOptions['ready'], target: CheckTarget): Observable<Readiness> => {
  if (ready === undefined) return of(READY);
  const { check, intervalMs, timeoutMs, attemptTimeoutMs } = ready;
  const verdicts$ = defer(() => attempt$(check, target, attemptTimeoutMs)).pipe(
    repeat({ delay: () => timer(intervalMs, target.scheduler) }),
    takeWhile((verdict) => !verdict.ok, true),
  );
  const timedOut$ = timer(timeoutMs, target.scheduler).pipe(map((): typeof TIMED_OUT => TIMED_OUT));
  // Whichever comes first ends the wait; the fold keeps the last failure for a timeout to report.
  return merge(verdicts$, timedOut$).pipe(
    scan(learn, { lastError: { code: 'ETIMEDOUT', message: `no attempt finished within ${timeoutMs} ms` } }),
    first((learnt): learnt is Learnt & { readonly ended: Readiness } => learnt.ended !== undefined),
    map(({ ended }) => ended),
  );
};
