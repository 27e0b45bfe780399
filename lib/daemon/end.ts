import { Observable, of } from 'rxjs';
import type { DaemonEvent, TerminalEvent } from '../events.js';
import { subscribeInner } from '../inner-subscriber.js';
import type { DaemonContext } from './context.js';
import type { Ending } from './requests.js';

type WithoutStamp<E> = E extends unknown ? Omit<E, 'at' | 'id'> : never;

/** How a daemon's life ends: its terminal event, before it is stamped with a time and an id. */
export type LifeEnd = WithoutStamp<TerminalEvent>;

/** The end an owner asked for: `stopped` (once the process is gone) or `closed`. */
export const endAsked = (ending: Ending): LifeEnd => (ending === 'close' ? { type: 'closed' } : { type: 'stopped' });

/** The terminal event of an end, stamped now. */
const stamped = (context: DaemonContext, { type, ...fields }: LifeEnd): TerminalEvent => context.event(type, fields);

/**
 * The end of a daemon's life: its terminal event, last of all. `closed`
 * comes at once (the pid file stays with the process left running); every
 * other end comes once the pid file is gone, a failure to remove it being
 * an event before it, and is stamped then. Written by hand: every stop
 * ends here.
 */
export const end$ = (context: DaemonContext, end: LifeEnd): Observable<DaemonEvent> => {
  if (end.type === 'closed') return of(stamped(context, end));
  return new Observable<DaemonEvent>((subscriber) => {
    subscribeInner(subscriber, context.pidFile.remove$(), {
      complete: () => {
        subscriber.next(stamped(context, end));
        subscriber.complete();
      },
    });
  });
};
