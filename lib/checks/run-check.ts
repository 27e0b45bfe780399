import { from, isObservable, Observable, type Subscribable } from 'rxjs';
import { errorFields } from '../events.js';
import type { Check, CheckTarget } from './check.js';
import { codedError } from '../errno.js';

/** How one attempt of a check went. */
export type Verdict = { readonly ok: true } | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

const PASSED: Verdict = { ok: true };

// A check's error message goes into an event: kept to a line a human reads.
const MAX_MESSAGE = 300;
const failed = (error: unknown): Verdict => {
  const { code, message } = errorFields(error);
  return { ok: false, error: { code, message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message } };
};

const timedOut = (timeoutMs: number): Verdict => failed(codedError('ETIMEDOUT', `no answer within ${timeoutMs} ms`));

// The check's result as something to subscribe to; a check that throws, or returns neither an Observable nor a promise, fails.
const outcomeOf = (check: Check, target: CheckTarget): Subscribable<unknown> | Verdict => {
  try {
    const result = check(target);
    return isObservable(result) ? result : from(result);
  } catch (error) {
    return failed(error);
  }
};

/**
 * One attempt of a check, as a single {@link Verdict}: a value or a
 * completion passes, an error (thrown, rejected or emitted) fails. With
 * `timeoutMs`, an attempt still running then fails, timed on the scheduler,
 * and is unsubscribed.
 */
// By hand, not defer/take/map/catchError/race: at 1,000 health checks a
// second, that chain's dozen subscribers per attempt were most of the
// supervisor's allocation and a quarter of its CPU (P8).
export const attempt$ = (check: Check, target: CheckTarget, timeoutMs: number | undefined): Observable<Verdict> =>
  new Observable<Verdict>((subscriber) => {
    const decide = (verdict: Verdict): void => {
      subscriber.next(verdict);
      subscriber.complete();
    };
    const outcome = outcomeOf(check, target);
    if (!('subscribe' in outcome)) {
      decide(outcome);
      return;
    }
    // Added to the subscriber: its first value, completion or error decides, and unsubscribing it lets the attempt go.
    subscriber.add(
      outcome.subscribe({
        next: () => {
          decide(PASSED);
        },
        error: (error: unknown) => {
          decide(failed(error));
        },
        complete: () => {
          decide(PASSED);
        },
      }),
    );
    // After the check, as race subscribed them: a check that answers at the timeout's instant, scheduled first, passes.
    if (timeoutMs !== undefined && !subscriber.closed) {
      subscriber.add(
        target.scheduler.schedule(() => {
          decide(timedOut(timeoutMs));
        }, timeoutMs),
      );
    }
  });
