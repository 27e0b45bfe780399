import { Subscription, type Observable, type Observer, type Subscriber } from 'rxjs';

/**
 * What an inner subscription does with what its source sends. `error`
 * unset errs the destination; `complete` unset does nothing; `next` may be
 * left unset only when the source's values are the destination's, and then
 * each goes on to it.
 */
export type InnerHandlers<T, D> = { readonly error?: (error: unknown) => void; readonly complete?: () => void } & ([T] extends [D]
  ? { readonly next?: (value: T) => void }
  : { readonly next: (value: T) => void });

/**
 * The subscriber of an inner source, made as RxJS's operators make theirs
 * (`createOperatorSubscriber`): a child of its destination before the source
 * runs. Observable.subscribe takes it as it is (an Observer that is a
 * Subscription), so the source's own `subscriber.closed` checks see it
 * closed as soon as the destination is, even in the middle of one of the
 * source's synchronous emissions. It closes, and leaves its destination,
 * when the source ends; no handler runs once it is closed.
 */
class InnerSubscriber<T, D> extends Subscription implements Observer<T> {
  constructor(
    private readonly destination: Subscriber<D>,
    private readonly handlers: InnerHandlers<T, D>,
  ) {
    super();
    destination.add(this);
  }

  next(value: T): void {
    if (this.closed) return;
    try {
      if (this.handlers.next === undefined) this.destination.next(value as unknown as D);
      else this.handlers.next(value);
    } catch (error) {
      // A handler that throws is a bug: the destination errs with it, as an operator's does.
      this.destination.error(error);
    }
  }

  error(error: unknown): void {
    if (this.closed) return;
    this.unsubscribe();
    if (this.handlers.error === undefined) this.destination.error(error);
    else this.handlers.error(error);
  }

  complete(): void {
    if (this.closed) return;
    this.unsubscribe();
    this.handlers.complete?.();
  }
}

/**
 * Subscribes `source` for a hand-written Observable whose subscriber is
 * `destination`, the way RxJS's own operators subscribe theirs: the inner
 * subscription is attached to `destination` before `source` runs, so
 * unsubscribing `destination` ends it at once, mid-emission included, and
 * it detaches itself when `source` ends (a loop that subscribes one source
 * after another for a daemon's whole life keeps only the current one).
 * Returns the inner subscription.
 *
 * @example
 * new Observable<string>((subscriber) => {
 *   subscribeInner(subscriber, source$, { complete: () => subscriber.next('done') });
 * });
 */
export const subscribeInner = <T, D>(destination: Subscriber<D>, source: Observable<T>, handlers: InnerHandlers<T, D>): Subscription =>
  source.subscribe(new InnerSubscriber(destination, handlers));
