import { concat, defer, EMPTY, map, merge, mergeMap, of, repeat, switchAll, take, takeWhile, timer, type Observable } from 'rxjs';
import { isTerminal, type DaemonEvent } from '../events.js';
import { RunEnd } from './run-end.js';
import { adoptedRun$, spawnedRun$, type RunItem } from './run.js';
import type { Running } from './running.js';
import type { Ending, Supervision } from './supervision.js';

/** The end of supervision asked for: `closed` at once; `stopped` once the pid file is gone. */
const finish$ = (sup: Supervision, ending: Ending): Observable<DaemonEvent> =>
  ending === 'close' ? of(sup.event('closed', {})) : concat(sup.pidFile.remove$(), defer(() => of(sup.event('stopped', {}))));

/**
 * `next$` once `go$` emits, unless an ending is asked for first. The ending
 * is replayed, so one asked for at any earlier moment wins at once: a stop
 * during a backoff ends it, and a stop that raced a process's own exit is
 * never followed by another spawn.
 */
const unlessEnding = <T>(sup: Supervision, go$: Observable<unknown>, next$: Observable<T>): Observable<T | DaemonEvent> =>
  merge(sup.ending$.pipe(map((ending) => finish$(sup, ending))), go$.pipe(map(() => next$))).pipe(take(1), switchAll());

/**
 * The restart loop: a run (the adopted process first, if any, then spawns),
 * then what its end calls for, again and again until a terminal event.
 * Restarts are `repeat`: the loop's body completes when the next run is
 * due, after the policy's delay on the scheduler, and a zero delay
 * resubscribes at once, without a timer. The attempt counter flows from run
 * to run here and nowhere else: R2 resets it after a run of
 * `healthyAfterMs`, and every terminal event comes out of this pipe.
 */
export const restartLoop$ = (sup: Supervision, adoptee: Running | undefined): Observable<DaemonEvent> =>
  defer(() => {
    const { restart, scheduler } = sup.options;
    let attempt = 0;
    let toAdopt = adoptee;

    const next$ = (end: RunEnd): Observable<DaemonEvent> => {
      const { outcome } = end;
      if (outcome.kind === 'closed') return of(sup.event('closed', { pid: outcome.pid }));
      attempt = end.runMs >= restart.healthyAfterMs ? 0 : end.attempt;
      const decide$ = defer(() => {
        const decision = restart.next({ attempt: attempt + 1, last: outcome });
        if (decision.kind === 'give-up') {
          return concat(sup.pidFile.remove$(), defer(() => of(sup.event('gave-up', { attempts: attempt, reason: decision.reason }))));
        }
        if (decision.delayMs === 0) return EMPTY;
        return concat(of(sup.event('backoff', { attempt: attempt + 1, delayMs: decision.delayMs })), unlessEnding(sup, timer(decision.delayMs, scheduler), EMPTY));
      });
      return unlessEnding(sup, of(true), decide$);
    };

    const run$ = defer((): Observable<RunItem> => {
      const adopted = toAdopt;
      toAdopt = undefined;
      // An adopted process is followed even when a stop came first: the stop must reach it.
      return adopted === undefined ? unlessEnding(sup, of(true), spawnedRun$(sup, attempt + 1)) : adoptedRun$(sup, adopted);
    });
    return run$.pipe(
      mergeMap((item) => (item instanceof RunEnd ? next$(item) : of(item))),
      repeat(),
      takeWhile((event) => !isTerminal(event), true),
    );
  });
