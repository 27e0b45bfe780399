import { AsyncSubject, map, merge, NEVER, Observable } from 'rxjs';
import { checkCommand, type Command } from '../command.js';
import type { DaemonEvent } from '../events.js';
import { resolveDaemonOptions, type DaemonOptions } from '../options.js';
import type { Adoptee } from '../snapshot/adoptee.js';
import { lifecycle$ } from './lifecycle.js';
import { askEnd, type Ending } from './requests.js';

/** What {@link supervise} takes on top of {@link DaemonOptions}. */
export interface SuperviseOptions extends DaemonOptions {
  /** The first emission starts the graceful stop; the stream completes after `stopped`. */
  readonly stop$?: Observable<unknown>;
  /** The first emission detaches, leaving the process running; the stream completes after `closed`. */
  readonly close$?: Observable<unknown>;
  /** Each emission restarts the process: a graceful stop, then an immediate spawn as attempt 1 (during a backoff: the spawn at once). */
  readonly restart$?: Observable<unknown>;
  /** Start by watching this live process instead of spawning (see `Daemon.restore`); its attempt and output start carry on from its record. */
  readonly adopt?: Adoptee;
}

/**
 * Keeps one command running. Subscribing spawns it (or adopts `adopt`); the
 * stream emits its lifecycle events, restarts it under the restart policy
 * when it ends, and completes after a terminal event: `stopped` (after
 * `stop$`), `closed` (after `close$`), `completed` (an end its rule does
 * not restart) or `gave-up` (a limit ran out). It errors only on a bug.
 *
 * Unsubscribing is not a detach: it starts the graceful stop, which runs to
 * its end in the background. Only `close$` leaves a process running.
 *
 * @example
 * const stop$ = new Subject<void>();
 * supervise({ command: 'envoy', args: ['-c', 'envoy.yaml'] }, { stop$, pidFile: '/run/envoy.pid' })
 *   .subscribe((event) => console.log(event.type));
 * // later: stop$.next();
 */
export const supervise = (cmd: Command, options: SuperviseOptions = {}): Observable<DaemonEvent> => {
  const command = checkCommand(cmd);
  const resolved = resolveDaemonOptions(options);
  const { stop$, close$, restart$ = NEVER, adopt } = options;
  const asked: Observable<Ending>[] = [];
  if (stop$ !== undefined) asked.push(stop$.pipe(map((): Ending => 'stop')));
  if (close$ !== undefined) asked.push(close$.pipe(map((): Ending => 'close')));
  return new Observable<DaemonEvent>((subscriber) => {
    const ending = new AsyncSubject<Ending>();
    // Subscribed first, so a stop$ that has already emitted (replayed) stops before anything is spawned.
    subscriber.add(
      merge(...asked).subscribe((kind) => {
        askEnd(ending, kind);
      }),
    );
    // Nothing this library starts outlives it by accident: leaving is a stop
    // (or lets an ending under way finish), and the same life runs on to its
    // own terminal event, unseen but logged. Attached before the life is
    // subscribed, so that leaving at one of its first, synchronous events
    // asks for the stop there and then, before the run goes on to its checks.
    subscriber.add(() => {
      askEnd(ending, 'stop');
    });
    // Once the life has ended, no ending can be asked of it: the leave that follows asks nothing.
    const ended = (): void => {
      ending.complete();
    };
    // Not attached: the life outlives the subscriber, and what it emits then goes nowhere (a closed subscriber drops it).
    lifecycle$(command, resolved, { ending, restart$ }, adopt).subscribe({
      next: (event) => {
        subscriber.next(event);
      },
      error: (error: unknown) => {
        ended();
        subscriber.error(error);
      },
      complete: () => {
        ended();
        subscriber.complete();
      },
    });
  });
};
