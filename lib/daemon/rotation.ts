import { isLeft, left } from 'fp-ts/lib/Either.js';
import { catchError, concat, defer, exhaustMap, filter, interval, map, Observable, of, scan } from 'rxjs';
import { errorFields, type DaemonEvent, type EventFactory } from '../events.js';
import type { RotateOutcome } from '../fs/rotate.js';
import type { DaemonContext } from './context.js';
import { logEvent } from './log-event.js';

/** How often the output files are looked at: "at least once a second". */
const ROTATION_CHECK_MS = 1_000;

/** One rotation of one path, and how it went. */
interface Rotated {
  readonly path: string;
  readonly outcome: RotateOutcome;
}

/** The message last reported for each path, and the event the latest rotation calls for, if it is news. */
interface Reported {
  readonly messages: ReadonlyMap<string, string>;
  readonly news?: DaemonEvent;
}

/** A failure is news unless it is the one last reported for its path; a rotation that worked makes the next failure news again. */
const report =
  (event: EventFactory) =>
  ({ messages }: Reported, { path, outcome }: Rotated): Reported => {
    if (!isLeft(outcome)) {
      if (!outcome.right || !messages.has(path)) return { messages };
      const forgotten = new Map(messages);
      forgotten.delete(path);
      return { messages: forgotten };
    }
    const error = errorFields(outcome.left);
    if (messages.get(path) === error.message) return { messages };
    return { messages: new Map(messages).set(path, error.message), news: event('rotate-failed', { path, error }) };
  };

/**
 * The rotation of a daemon's `{ file }` outputs past `maxLogBytes`, checked
 * every second on the scheduler for as long as it is subscribed; undefined
 * when there is nothing to rotate. A slow copy is never overlapped by the
 * next check. A failure is a `rotate-failed` event, once for each new error
 * of a path (a log that fails every second says so once; after a rotation
 * that worked, the same error is news again), never an error of the stream.
 */
const rotation$ = ({ options, event }: DaemonContext): Observable<DaemonEvent> | undefined => {
  const { stdout, stderr, maxLogBytes, logBackups, driver, scheduler } = options;
  if (maxLogBytes === undefined) return undefined;
  // stdout and stderr may share one file: rotated once.
  const paths = [...new Set([stdout, stderr].flatMap((target) => (typeof target === 'object' ? [target.file] : [])))];
  if (paths.length === 0) return undefined;
  const rotate$ = (path: string): Observable<Rotated> =>
    defer(() => driver.files.rotate(path, maxLogBytes, logBackups)).pipe(
      // A driver that throws fails this rotation, not the daemon.
      catchError((error: unknown) => of<RotateOutcome>(left(error instanceof Error ? error : new Error(String(error))))),
      map((outcome) => ({ path, outcome })),
    );
  return interval(ROTATION_CHECK_MS, scheduler).pipe(
    exhaustMap(() => concat(...paths.map(rotate$))),
    scan(report(event), { messages: new Map<string, string>() }),
    map(({ news }) => news),
    filter((news) => news !== undefined),
  );
};

/**
 * `lifecycle$`, with its daemon's output files rotated alongside
 * ({@link rotation$}) for as long as it is subscribed, and no longer:
 * `lifecycle$` itself when there is nothing to rotate. A failure is one more event, logged as the life's are.
 */
export const withRotation$ = (lifecycle$: Observable<DaemonEvent>, context: DaemonContext): Observable<DaemonEvent> => {
  const rotating$ = rotation$(context);
  if (rotating$ === undefined) return lifecycle$;
  return new Observable<DaemonEvent>((subscriber) => {
    subscriber.add(
      rotating$.subscribe((event) => {
        logEvent(context.options.logger, event);
        subscriber.next(event);
      }),
    );
    lifecycle$.subscribe(subscriber);
  });
};
