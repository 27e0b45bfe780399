import { isLeft, left } from 'fp-ts/lib/Either.js';
import { catchError, concat, defer, EMPTY, exhaustMap, interval, mergeMap, of, type Observable } from 'rxjs';
import { errorFields, type DaemonEvent, type EventFactory } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import type { RotateOutcome } from '../fs/rotate.js';

/** How often the output files are looked at: "at least once a second". */
const ROTATION_CHECK_MS = 1_000;

/**
 * The rotation of a daemon's `{ file }` outputs past `maxLogBytes`, checked
 * every second on the scheduler for as long as it is subscribed; undefined
 * when there is nothing to rotate. A slow copy is never overlapped by the
 * next check. A failure is a `rotate-failed` event, once for each new error
 * of a path (a log that fails every second says so once; after a rotation
 * that worked, the same error is news again), never an error of the stream.
 */
export const rotation$ = (options: ResolvedOptions, event: EventFactory): Observable<DaemonEvent> | undefined => {
  const { stdout, stderr, maxLogBytes, logBackups, driver, scheduler } = options;
  if (maxLogBytes === undefined) return undefined;
  // stdout and stderr may share one file: rotated once.
  const paths = [...new Set([stdout, stderr].flatMap((target) => (typeof target === 'object' ? [target.file] : [])))];
  if (paths.length === 0) return undefined;
  return defer(() => {
    // The message last reported, by path.
    const reported = new Map<string, string>();
    const news = (path: string, outcome: RotateOutcome): Observable<DaemonEvent> => {
      if (!isLeft(outcome)) {
        if (outcome.right) reported.delete(path);
        return EMPTY;
      }
      const error = errorFields(outcome.left);
      if (reported.get(path) === error.message) return EMPTY;
      reported.set(path, error.message);
      return of(event('rotate-failed', { path, error }));
    };
    const rotate$ = (path: string): Observable<DaemonEvent> =>
      defer(() => driver.files.rotate(path, maxLogBytes, logBackups)).pipe(
        // A driver that throws fails this rotation, not the daemon.
        catchError((error: unknown) => of<RotateOutcome>(left(error instanceof Error ? error : new Error(String(error))))),
        mergeMap((outcome) => news(path, outcome)),
      );
    return interval(ROTATION_CHECK_MS, scheduler).pipe(exhaustMap(() => concat(...paths.map(rotate$))));
  });
};
