import { AsyncSubject, defer, map, merge, NEVER, Observable } from 'rxjs';
import { checkCommand, type Command } from '../command.js';
import type { DaemonEvent } from '../events.js';
import { resolveOptions, type DaemonOptions, type ResolvedOptions } from '../options.js';
import type { Adoptee } from '../snapshot/adoptee.js';
import { logEvent } from './log-event.js';
import { restartLoop$ } from './restart-loop.js';
import { rotation$ } from './rotation.js';
import { supervision, type Ending } from './supervision.js';

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
  const resolved = resolveOptions(options);
  const { stop$, close$, restart$ = NEVER, adopt } = options;
  return defer(() => {
    const ending = new AsyncSubject<Ending>();
    const asked: Observable<Ending>[] = [];
    if (stop$ !== undefined) asked.push(stop$.pipe(map((): Ending => 'stop')));
    if (close$ !== undefined) asked.push(close$.pipe(map((): Ending => 'close')));
    return new Observable<DaemonEvent>((subscriber) => {
      // Subscribed first, so a stop$ that has already emitted (replayed) stops before anything is spawned.
      subscriber.add(
        merge(...asked).subscribe((kind) => {
          askEnd(ending, kind);
        }),
      );
      superviseResolved(command, resolved, { ending, restart$ }, adopt).subscribe(subscriber);
    });
  });
};

/** Asks for an ending; only the first one asked for counts, and it is replayed to whoever looks later. */
export const askEnd = (ending: AsyncSubject<Ending>, kind: Ending): void => {
  ending.next(kind);
  ending.complete();
};

/**
 * What the owner of a daemon's pipeline asks of it: `ending` holds the
 * ending asked for (the owner asks through {@link askEnd}, and every part
 * of the pipeline that looks for it, at any later moment, sees that one);
 * each emission of `restart$` asks for a restart.
 */
export interface Requests {
  readonly ending: AsyncSubject<Ending>;
  readonly restart$: Observable<unknown>;
}

/**
 * The pipeline of one daemon, for a command and options already checked. For owners that never unsubscribe (the
 * `Daemon` facade, the manager); {@link superviseResolved} adds the
 * unsubscribe-is-a-stop rule.
 */
export const supervising$ = (command: Command, resolved: ResolvedOptions, requests: Requests, adopt?: Adoptee): Observable<DaemonEvent> => {
  const sup = supervision(command, resolved, requests.ending, requests.restart$);
  const loop = restartLoop$(sup, adopt);
  const rotating = rotation$(resolved, sup.event);
  if (rotating === undefined) return loop;
  // The logs are rotated for as long as the daemon is supervised, and no longer; a failure is one more event.
  return new Observable<DaemonEvent>((subscriber) => {
    subscriber.add(
      rotating.subscribe((event) => {
        logEvent(resolved.logger, event);
        subscriber.next(event);
      }),
    );
    loop.subscribe(subscriber);
  });
};

/** {@link supervising$} for a subscriber that may leave: leaving is a stop, which runs on to its end. */
export const superviseResolved = (command: Command, resolved: ResolvedOptions, requests: Requests, adopt?: Adoptee): Observable<DaemonEvent> =>
  new Observable<DaemonEvent>((subscriber) => {
    let ended = false;
    // Nothing this library starts outlives it by accident: leaving is a stop
    // (or lets an ending under way finish). The same pipeline runs on to its
    // own terminal event, unseen but logged. Attached before the pipeline is
    // subscribed, so that leaving at one of its first, synchronous events
    // asks for the stop there and then, before the run goes on to its checks.
    subscriber.add(() => {
      if (!ended) askEnd(requests.ending, 'stop');
    });
    // Not attached: the pipeline outlives the subscriber, and what it emits then goes nowhere (a closed subscriber drops it).
    supervising$(command, resolved, requests, adopt).subscribe({
      next: (event) => {
        subscriber.next(event);
      },
      error: (error: unknown) => {
        ended = true;
        subscriber.error(error);
      },
      complete: () => {
        ended = true;
        subscriber.complete();
      },
    });
  });
