import { concat, defer, map, merge, Observable, of, switchAll, take, timer, type Observer, type Subscription } from 'rxjs';
import { isTerminal, type DaemonEvent } from '../events.js';
import { logEvent } from './log-event.js';
import { RunEnd } from './run-end.js';
import { adoptedRun$, spawnedRun$, type RunItem } from './run.js';
import type { Running } from './running.js';
import type { Ending, Supervision } from './supervision.js';

/** Emitted by what follows a run when the next run is due. */
const NEXT_RUN = Symbol('next run');
type Step = Observable<RunItem | typeof NEXT_RUN>;

/** The end of supervision asked for: `closed` at once; `stopped` once the pid file is gone. */
const finish$ = (sup: Supervision, ending: Ending): Observable<DaemonEvent> =>
  ending === 'close' ? of(sup.event('closed', {})) : concat(sup.pidFile.remove$(), defer(() => of(sup.event('stopped', {}))));

/** The ending asked for so far, if any: it is replayed, so a subscription answers at once. */
const askedNow = (sup: Supervision): Ending | undefined => {
  let asked: Ending | undefined;
  sup.ending$
    .subscribe((ending) => {
      asked = ending;
    })
    .unsubscribe();
  return asked;
};

/** The policy's delay, unless an ending is asked for meanwhile: a stop during a backoff ends it at once. */
const backoff$ = (sup: Supervision, delayMs: number): Step =>
  merge(
    sup.ending$.pipe(map((ending) => finish$(sup, ending))),
    timer(delayMs, sup.options.scheduler).pipe(map(() => of(NEXT_RUN))),
  ).pipe(take(1), switchAll());

/**
 * The restart loop: a run (the adopted process first, if any, then spawns),
 * then what its end calls for, again and again until a terminal event;
 * each event is logged as it leaves.
 * Each step is a stream: a run ends with its {@link RunEnd}; what follows a
 * run ends with a terminal event, or with {@link NEXT_RUN} when the next
 * run is due, after the policy's delay on the scheduler (none for a zero
 * delay). The attempt counter flows from run to run here and nowhere else:
 * R2 resets it after a run of `healthyAfterMs`. An ending asked for at any
 * moment wins over whatever the policy would do next, and every terminal
 * event comes out of this loop.
 *
 * The loop subscribes one step at a time, by hand rather than with
 * `repeat` and `mergeMap`, because it lives as long as its daemon (P3); a
 * step that ends synchronously queues the next instead of recursing.
 */
export const restartLoop$ = (sup: Supervision, adoptee: Running | undefined): Observable<DaemonEvent> =>
  new Observable<DaemonEvent>((subscriber) => {
    const { restart } = sup.options;
    let attempt = 0;
    let current: Subscription | undefined;
    let queued: Step | undefined;
    let stepping = false;

    const nextRun = (): Step => {
      const asked = askedNow(sup);
      return asked === undefined ? spawnedRun$(sup, attempt + 1) : finish$(sup, asked);
    };

    const afterRun = (end: RunEnd): Step => {
      const { outcome } = end;
      if (outcome.kind === 'closed') return of(sup.event('closed', { pid: outcome.pid }));
      attempt = end.runMs >= restart.healthyAfterMs ? 0 : end.attempt;
      const asked = askedNow(sup);
      if (asked !== undefined) return finish$(sup, asked);
      const decision = restart.next({ attempt: attempt + 1, last: outcome });
      if (decision.kind === 'give-up') {
        return concat(sup.pidFile.remove$(), defer(() => of(sup.event('gave-up', { attempts: attempt, reason: decision.reason }))));
      }
      if (decision.delayMs === 0) return of(NEXT_RUN);
      return concat(of(sup.event('backoff', { attempt: attempt + 1, delayMs: decision.delayMs })), backoff$(sup, decision.delayMs));
    };

    const step = (step$: Step): void => {
      queued = step$;
      if (stepping) return;
      stepping = true;
      while (queued !== undefined) {
        const next$ = queued;
        queued = undefined;
        current = next$.subscribe(observer);
      }
      stepping = false;
    };

    const observer: Partial<Observer<RunItem | typeof NEXT_RUN>> = {
      next: (item) => {
        if (item !== NEXT_RUN && !(item instanceof RunEnd)) {
          logEvent(sup.options.logger, item);
          subscriber.next(item);
          if (isTerminal(item)) subscriber.complete();
          return;
        }
        let next$: Step;
        try {
          next$ = item === NEXT_RUN ? nextRun() : afterRun(item);
        } catch (error) {
          // A policy that throws is a bug: the stream errs with it, as an operator's would.
          subscriber.error(error);
          return;
        }
        step(next$);
      },
      error: (error: unknown) => {
        subscriber.error(error);
      },
    };

    step(adoptee === undefined ? nextRun() : adoptedRun$(sup, adoptee));
    return () => {
      current?.unsubscribe();
    };
  });
