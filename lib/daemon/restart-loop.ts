import { concat, map, merge, Observable, of, switchAll, take, timer } from 'rxjs';
import { isTerminal, type DaemonEvent } from '../events.js';
import { subscribeInner, type InnerHandlers } from '../inner-subscriber.js';
import type { DaemonContext } from './context.js';
import { decide, firstCourse, type Course, type Decision } from './decide.js';
import { end$, endAsked } from './end.js';
import { logEvent } from './log-event.js';
import { endingAsked } from './requests.js';
import { RunEnd, type RunItem } from './run.js';
import type { RunStart } from './spawn-or-adopt.js';

/** The last item of what follows a run when the next spawn is due, with its attempt. */
class SpawnDue {
  constructor(readonly attempt: number) {}
}

type Step = Observable<RunItem | SpawnDue>;

/** One run of a daemon, begun as `start` says, ending with its {@link RunEnd}. */
export type RunOf = (context: DaemonContext, start: RunStart) => Observable<RunItem>;

/**
 * `backoff`, then the policy's delay, unless an ending is asked for
 * meanwhile (a stop during a backoff ends at once) or a restart (it spawns
 * at once, as attempt 1).
 */
const backoff$ = (context: DaemonContext, attempt: number, delayMs: number): Step =>
  concat(
    of(context.event('backoff', { attempt, delayMs })),
    merge(
      context.ending$.pipe(map((ending) => end$(context, endAsked(ending)))),
      timer(delayMs, context.options.scheduler).pipe(map(() => of(new SpawnDue(attempt)))),
      context.restart$.pipe(map(() => of(new SpawnDue(1)))),
    ).pipe(take(1), switchAll()),
  );

/** What a decision calls for: the next spawn, at once or after its backoff, or the end. */
const follow$ = (context: DaemonContext, decision: Decision): Step => {
  if (decision.kind === 'end') return end$(context, decision.end);
  return decision.delayMs === 0 ? of(new SpawnDue(decision.attempt)) : backoff$(context, decision.attempt, decision.delayMs);
};

/**
 * The restart loop: a run (`first`, then spawns), then what its end calls
 * for, again and again until a terminal event; each event is logged as it
 * leaves. Each step is a stream: a run ends with its {@link RunEnd}, which
 * {@link decide} turns into the next spawn (after the policy's delay, on
 * the scheduler; none for a zero delay) or the end; an ending asked for
 * before a spawn ends the life instead. What the policy decides from (R5)
 * flows from run to run here, as the {@link Course} the decisions fold,
 * and nowhere else; every terminal event comes out of this loop.
 *
 * The loop subscribes one step at a time, by hand rather than with
 * `repeat` and `mergeMap`, because it lives as long as its daemon (P3); a
 * step that ends synchronously queues the next instead of recursing. Each
 * step is subscribed as RxJS's operators subscribe theirs, attached to the
 * loop's subscriber: unsubscribing the loop, at any event, ends the step
 * under way there and then (a `spawning` left spawns nothing, a `ready`
 * left starts no health check), and no further step is subscribed.
 */
export const restartLoop$ = (context: DaemonContext, first: RunStart, run$: RunOf): Observable<DaemonEvent> =>
  new Observable<DaemonEvent>((subscriber) => {
    const { restart, scheduler, logger } = context.options;
    let course: Course = firstCourse;
    let queued: Step | undefined;
    let stepping = false;

    // A spawn waits for nothing once an ending is asked for: the life ends instead.
    const spawn$ = (attempt: number): Step => {
      const asked = endingAsked(context.ending$);
      return asked === undefined ? run$(context, { attempt }) : end$(context, endAsked(asked));
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
    const handlers: InnerHandlers<RunItem | SpawnDue, DaemonEvent> = {
      next: (item) => {
        if (item instanceof RunEnd) {
          const decided = decide(restart, course, item, endingAsked(context.ending$), scheduler.now());
          course = decided.course;
          step(follow$(context, decided.decision));
        } else if (item instanceof SpawnDue) step(spawn$(item.attempt));
        else {
          logEvent(logger, item);
          subscriber.next(item);
          if (isTerminal(item)) subscriber.complete();
        }
      },
    };

    // An adopted process is followed whatever is asked: a stop asked for already stops it.
    step('adoptee' in first ? run$(context, first) : spawn$(first.attempt));
  });
