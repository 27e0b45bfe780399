import { AsyncSubject, map, merge, NEVER, Observable, take, type Subscription } from 'rxjs';
import { checkCommand, type Command } from '../command.js';
import type { DaemonEvent } from '../events.js';
import { resolveOptions, type DaemonOptions, type ResolvedOptions } from '../options.js';
import type { ProcessIdentity } from '../process/identity.js';
import { logEvent } from './log-event.js';
import { restartLoop$ } from './restart-loop.js';
import { adoptedProcess } from './running.js';
import { supervision, type Ending } from './supervision.js';

/** What {@link supervise} takes on top of {@link DaemonOptions}. */
export interface SuperviseOptions extends DaemonOptions {
  /** The first emission starts the graceful stop; the stream completes after `stopped`. */
  readonly stop$?: Observable<unknown>;
  /** The first emission detaches, leaving the process running; the stream completes after `closed`. */
  readonly close$?: Observable<unknown>;
  /** Start by watching this live process instead of spawning (see `Daemon.restore`). */
  readonly adopt?: ProcessIdentity;
}

/**
 * Keeps one command running. Subscribing spawns it (or adopts `adopt`); the
 * stream emits its lifecycle events, restarts it under the restart policy
 * when it ends, and completes after a terminal event: `stopped` (after
 * `stop$`), `closed` (after `close$`) or `gave-up`. It errors only on a bug.
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
export const supervise = (cmd: Command, options: SuperviseOptions = {}): Observable<DaemonEvent> =>
  superviseResolved(checkCommand(cmd), resolveOptions(options), options);

/** {@link supervise} for a command and options already checked. */
export const superviseResolved = (
  command: Command,
  resolved: ResolvedOptions,
  { stop$ = NEVER, close$ = NEVER, adopt }: Pick<SuperviseOptions, 'stop$' | 'close$' | 'adopt'>,
): Observable<DaemonEvent> =>
  new Observable<DaemonEvent>((subscriber) => {
    // The first ending asked for, kept and replayed: every part of the
    // pipeline that looks for it, at any later moment, sees that one.
    const ending = new AsyncSubject<Ending>();
    const askEnd = (kind: Ending): void => {
      ending.next(kind);
      ending.complete();
    };
    const asked: Subscription = merge(stop$.pipe(map((): Ending => 'stop')), close$.pipe(map((): Ending => 'close')))
      .pipe(take(1))
      .subscribe(askEnd);
    const sup = supervision(command, resolved, ending);
    const adoptee = adopt === undefined ? undefined : adoptedProcess(adopt, resolved.driver, resolved.scheduler);
    let deliver = (event: DaemonEvent): void => {
      subscriber.next(event);
    };
    let ended = false;
    restartLoop$(sup, adoptee).subscribe({
      next: (event) => {
        logEvent(resolved.logger, event);
        deliver(event);
      },
      error: (error: unknown) => {
        ended = true;
        subscriber.error(error);
      },
      complete: () => {
        ended = true;
        asked.unsubscribe();
        subscriber.complete();
      },
    });
    return () => {
      if (ended) return;
      // Nothing this library starts outlives it by accident: leaving is a
      // stop (or lets an ending under way finish). The same pipeline runs on
      // to its own terminal event, unseen but logged.
      asked.unsubscribe();
      deliver = () => undefined;
      askEnd('stop');
    };
  });
