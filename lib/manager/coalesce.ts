import { Observable, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

/** How {@link coalesce} waits (M2). */
export interface CoalesceTiming {
  /** Quiet time after the last value before it is emitted. */
  readonly quietMs: number;
  /** Longest wait after the first value not yet emitted, however busy the source. */
  readonly maxWaitMs: number;
}

/**
 * M2: emits the latest value once the source has been quiet for `quietMs`,
 * and never later than `maxWaitMs` after the first value it has not yet
 * emitted, so a steady stream of changes cannot starve the consumer. On
 * completion it emits what is pending, then completes.
 *
 * @example
 * desired$.pipe(coalesce({ quietMs: 500, maxWaitMs: 5_000 }, scheduler)) // one reconcile per burst
 */
export const coalesce =
  <T>({ quietMs, maxWaitMs }: CoalesceTiming, scheduler: SchedulerLike): MonoTypeOperatorFunction<T> =>
  (source) =>
    new Observable<T>((subscriber) => {
      let pending: { readonly value: T } | undefined;
      let quiet: Subscription | undefined;
      let cap: Subscription | undefined;
      const flush = (): void => {
        quiet?.unsubscribe();
        cap?.unsubscribe();
        quiet = cap = undefined;
        const emitted = pending;
        pending = undefined;
        if (emitted !== undefined) subscriber.next(emitted.value);
      };
      const subscription = source.subscribe({
        next: (value) => {
          pending = { value };
          quiet?.unsubscribe();
          quiet = scheduler.schedule(flush, quietMs);
          cap ??= scheduler.schedule(flush, maxWaitMs);
        },
        error: (error: unknown) => {
          subscriber.error(error);
        },
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        quiet?.unsubscribe();
        cap?.unsubscribe();
      };
    });
