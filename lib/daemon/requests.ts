import type { AsyncSubject, Observable } from 'rxjs';

/** How a daemon's owner asks its life to end: `stop` ends the process, `close` leaves it running. */
export type Ending = 'stop' | 'close';

/**
 * What the owner of a daemon's life asks of it: `ending` holds the ending
 * asked for (the owner asks through {@link askEnd}, and every step of the
 * life that looks for it, at any later moment, sees that one); each
 * emission of `restart$` asks for a restart.
 */
export interface Requests {
  readonly ending: AsyncSubject<Ending>;
  readonly restart$: Observable<unknown>;
}

/** Asks for an ending; only the first one asked for counts, and it is replayed to whoever looks later. */
export const askEnd = (ending: AsyncSubject<Ending>, kind: Ending): void => {
  ending.next(kind);
  ending.complete();
};

/** The ending asked for so far, if any: `ending$` replays it, so a subscription answers at once. */
export const endingAsked = (ending$: Observable<Ending>): Ending | undefined => {
  let asked: Ending | undefined;
  ending$
    .subscribe((ending) => {
      asked = ending;
    })
    .unsubscribe();
  return asked;
};
