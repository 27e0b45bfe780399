import { map, merge, mergeMap, NEVER, Observable, share, take, takeUntil, takeWhile, tap } from 'rxjs';
import { checkCommand, type Command } from '../command.js';
import { isTerminal, type DaemonEvent } from '../events.js';
import { resolveOptions, type DaemonOptions, type ResolvedOptions } from '../options.js';
import { DaemonContext } from './context.js';
import { close$, gracefulStop$ } from './graceful-stop.js';
import { logEvent } from './log-event.js';
import { restartLoop$ } from './restart-loop.js';
import { adoptedProcess, type Adoptee } from './running.js';

/** What {@link supervise} takes on top of {@link DaemonOptions}. */
export interface SuperviseOptions extends DaemonOptions {
  /** The first emission starts the graceful stop; the stream completes after `stopped`. */
  readonly stop$?: Observable<unknown>;
  /** The first emission detaches, leaving the process running; the stream completes after `closed`. */
  readonly close$?: Observable<unknown>;
  /** Start by watching this live process instead of spawning (see `Daemon.restore`). */
  readonly adopt?: Adoptee;
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
  { stop$ = NEVER, close$: detach$ = NEVER, adopt }: Pick<SuperviseOptions, 'stop$' | 'close$' | 'adopt'>,
): Observable<DaemonEvent> =>
  new Observable<DaemonEvent>((subscriber) => {
    const ctx = new DaemonContext(command, resolved);
    const adopted = adopt === undefined ? undefined : adoptedProcess(adopt, resolved.driver, resolved.scheduler);
    // An adopted process is current from the start: a stop that comes before the loop runs must still reach it.
    ctx.current = adopted;
    const ending$ = merge(stop$.pipe(map(() => 'stop' as const)), detach$.pipe(map(() => 'close' as const))).pipe(take(1), share());
    // The graceful stop runs once and to its end, even when its subscriber leaves half-way.
    let stopping$: Observable<DaemonEvent> | undefined;
    const stop = (): Observable<DaemonEvent> =>
      (stopping$ ??= gracefulStop$(ctx).pipe(share({ resetOnRefCountZero: false, resetOnComplete: false })));
    const untilTerminal = takeWhile((event: DaemonEvent) => !isTerminal(event), true);
    let ended = false;
    const subscription = merge(
      // Before the loop, which queues its first pid file write as soon as it is subscribed.
      ctx.effects.events$,
      // Before the ending, so when the ending comes the loop is gone before the stop looks for the current process.
      restartLoop$(ctx, adopted).pipe(takeUntil(ending$)),
      ending$.pipe(mergeMap((ending) => (ending === 'stop' ? stop() : close$(ctx)))),
    )
      .pipe(
        untilTerminal,
        tap((event) => {
          ended ||= isTerminal(event);
          logEvent(resolved.logger, event);
        }),
      )
      .subscribe(subscriber);
    return () => {
      subscription.unsubscribe();
      // Nothing this library starts outlives it by accident: an unsubscribe
      // stops the process (or lets a stop under way finish), in the background.
      if (!ended) {
        merge(stop(), ctx.effects.events$).pipe(untilTerminal).subscribe((event) => {
          logEvent(resolved.logger, event);
        });
      }
    };
  });
