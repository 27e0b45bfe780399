import { concat, map, merge, Observable, of, switchAll, take, timer } from 'rxjs';
import { isTerminal, type DaemonEvent } from '../events.js';
import { subscribeInner, type InnerHandlers } from '../inner-subscriber.js';
import { logEvent } from './log-event.js';
import { RunEnd } from './run-end.js';
import type { Adoptee } from '../snapshot/adoptee.js';
import { adoptedRun$, spawnedRun$, type RunItem } from './run.js';
import type { Ending, Supervision } from './supervision.js';

/** Emitted by what follows a run when the next run is due; `RESTART_NOW` when it is due at once, as attempt 1 (a restart asked for). */
const NEXT_RUN = Symbol('next run');
const RESTART_NOW = Symbol('restart now');
type Marker = typeof NEXT_RUN | typeof RESTART_NOW;
type Step = Observable<RunItem | Marker>;

/** A terminal event, made once the pid file is gone (a failure to remove it is an event before it). Written by hand: every stop ends here. */
const last$ = (sup: Supervision, event: () => DaemonEvent): Observable<DaemonEvent> =>
  new Observable<DaemonEvent>((subscriber) => {
    subscribeInner(subscriber, sup.pidFile.remove$(), {
      complete: () => {
        subscriber.next(event());
        subscriber.complete();
      },
    });
  });

/** The end of supervision asked for: `closed` at once; `stopped` once the pid file is gone. */
const finish$ = (sup: Supervision, ending: Ending): Observable<DaemonEvent> =>
  ending === 'close' ? of(sup.event('closed', {})) : last$(sup, () => sup.event('stopped', {}));

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

/**
 * The policy's delay, unless an ending is asked for meanwhile (a stop
 * during a backoff ends it at once) or a restart (it spawns at once, as
 * attempt 1).
 */
const backoff$ = (sup: Supervision, delayMs: number): Step =>
  merge(
    sup.ending$.pipe(map((ending) => finish$(sup, ending))),
    timer(delayMs, sup.options.scheduler).pipe(map(() => of(NEXT_RUN))),
    sup.restart$.pipe(map(() => of(RESTART_NOW))),
  ).pipe(take(1), switchAll());

/**
 * The restart loop: a run (the adopted process first, if any, then spawns),
 * then what its end calls for, again and again until a terminal event;
 * each event is logged as it leaves. Each step is a stream: a run ends with
 * its {@link RunEnd}; what follows a run ends with a terminal event, or
 * with a marker when the next run is due, after the policy's delay on the
 * scheduler (none for a zero delay). What the policy decides from (R5)
 * flows from run to run here and nowhere else: the attempt (reset by a
 * stable run, R2, and by a restart asked for), the restarts so far, the
 * policy's own memory. An ending asked for at any moment wins over
 * whatever the policy would do next, and every terminal event comes out of
 * this loop.
 *
 * The loop subscribes one step at a time, by hand rather than with
 * `repeat` and `mergeMap`, because it lives as long as its daemon (P3); a
 * step that ends synchronously queues the next instead of recursing. Each
 * step is subscribed as RxJS's operators subscribe theirs, attached to the
 * loop's subscriber: unsubscribing the loop, at any event, ends the step
 * under way there and then (a `spawning` left spawns nothing, a `ready`
 * left starts no health check), and no further step is subscribed.
 */
export const restartLoop$ = (sup: Supervision, adoptee: Adoptee | undefined): Observable<DaemonEvent> =>
  new Observable<DaemonEvent>((subscriber) => {
    const { restart, scheduler } = sup.options;
    let attempt = 0;
    let runs = 0;
    let memory: unknown;
    let queued: Step | undefined;
    let stepping = false;

    const nextRun = (): Step => {
      const asked = askedNow(sup);
      if (asked !== undefined) return finish$(sup, asked);
      runs += 1;
      return spawnedRun$(sup, attempt + 1);
    };

    const afterRun = (end: RunEnd): Step => {
      const { outcome, runMs } = end;
      if (outcome.kind === 'closed') return of(sup.event('closed', { pid: outcome.pid }));
      const asked = askedNow(sup);
      if (asked !== undefined) return finish$(sup, asked);
      if (end.reason === 'restart') return of(RESTART_NOW);
      attempt = end.ready && runMs >= restart.stableAfterMs ? 0 : end.attempt;
      const decision = restart.next({ attempt: attempt + 1, restarts: Math.max(0, runs - 1), last: outcome, runMs, now: scheduler.now(), memory });
      switch (decision.kind) {
        case 'give-up':
          return last$(sup, () => sup.event('gave-up', { attempts: attempt, reason: decision.reason, ...(decision.limit === undefined ? {} : { limit: decision.limit }) }));
        case 'complete':
          // A run that never started cannot complete: what its rule leaves it at is a failure to start.
          if (outcome.kind === 'spawn-failed') return last$(sup, () => sup.event('gave-up', { attempts: attempt, reason: 'spawn-failed', error: outcome.error }));
          return last$(sup, () => sup.event('completed', { code: outcome.code, signal: outcome.signal }));
        case 'spawn':
          memory = decision.memory;
          if (decision.delayMs === 0) return of(NEXT_RUN);
          return concat(of(sup.event('backoff', { attempt: attempt + 1, delayMs: decision.delayMs })), backoff$(sup, decision.delayMs));
      }
    };

    const step = (step$: Step): void => {
      queued = step$;
      if (stepping) return;
      stepping = true;
      // Left meanwhile (a subscriber that unsubscribed at the event just emitted): no further step.
      while (queued !== undefined && !subscriber.closed) {
        const next$ = queued;
        queued = undefined;
        subscribeInner(subscriber, next$, handlers);
      }
      queued = undefined;
      stepping = false;
    };

    // One set of handlers for every step; a policy that throws errs the stream, as an operator's would.
    const handlers: InnerHandlers<RunItem | Marker, DaemonEvent> = {
      next: (item) => {
        if (item !== NEXT_RUN && item !== RESTART_NOW && !(item instanceof RunEnd)) {
          logEvent(sup.options.logger, item);
          subscriber.next(item);
          if (isTerminal(item)) subscriber.complete();
          return;
        }
        if (item === RESTART_NOW) attempt = 0;
        step(item instanceof RunEnd ? afterRun(item) : nextRun());
      },
    };

    if (adoptee !== undefined) runs += 1;
    step(adoptee === undefined ? nextRun() : adoptedRun$(sup, adoptee));
  });
