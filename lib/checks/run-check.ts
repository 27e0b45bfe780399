import { catchError, defaultIfEmpty, defer, from, isObservable, map, of, race, take, timer, type Observable } from 'rxjs';
import { errorFields } from '../events.js';
import type { Check, CheckTarget } from './check.js';

/** How one attempt of a check went. */
export type Verdict = { readonly ok: true } | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

const PASSED: Verdict = { ok: true };

// A check's error message goes into an event: kept to a line a human reads.
const MAX_MESSAGE = 300;
const failed = (error: unknown): Verdict => {
  const { code, message } = errorFields(error);
  return { ok: false, error: { code, message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message } };
};

/**
 * One attempt of a check, as a single {@link Verdict}: a value or a
 * completion passes, an error (thrown, rejected or emitted) fails. With
 * `timeoutMs`, an attempt still running then fails, timed on the scheduler,
 * and is unsubscribed.
 */
export const attempt$ = (check: Check, target: CheckTarget, timeoutMs: number | undefined): Observable<Verdict> => {
  const outcome$ = defer(() => {
    const result = check(target);
    return isObservable(result) ? result : from(result);
  }).pipe(
    take(1),
    map(() => PASSED),
    defaultIfEmpty(PASSED),
    catchError((error: unknown) => of(failed(error))),
  );
  if (timeoutMs === undefined) return outcome$;
  const timedOut$ = timer(timeoutMs, target.scheduler).pipe(map(() => failed(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }))));
  return race(outcome$, timedOut$);
};

