import { concat, exhaustMap, ignoreElements, interval, type Observable } from 'rxjs';
import type { ResolvedOptions } from '../options.js';

/** How often the output files are looked at: "at least once a second". */
const ROTATION_CHECK_MS = 1_000;

/**
 * The rotation of a daemon's `{ file }` outputs past `maxLogBytes`, checked
 * every second on the scheduler for as long as it is subscribed; undefined
 * when there is nothing to rotate. A slow copy is never overlapped by the
 * next check.
 */
export const rotation$ = ({ stdout, stderr, maxLogBytes, logBackups, driver, scheduler }: ResolvedOptions): Observable<never> | undefined => {
  if (maxLogBytes === undefined) return undefined;
  // stdout and stderr may share one file: rotated once.
  const paths = [...new Set([stdout, stderr].flatMap((target) => (typeof target === 'object' ? [target.file] : [])))];
  if (paths.length === 0) return undefined;
  return interval(ROTATION_CHECK_MS, scheduler).pipe(
    exhaustMap(() => concat(...paths.map((path) => driver.rotate(path, maxLogBytes, logBackups)))),
    ignoreElements(),
  );
};
