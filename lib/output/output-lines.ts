import type { Observable, SchedulerLike } from 'rxjs';
import type { Stdio } from '../process/spawn-spec.js';
import type { FileSource } from '../fs/file-source.js';
import { lines$ } from './lines.js';

/** One of a daemon's two outputs. */
export type OutputStream = 'stdout' | 'stderr';

/** How a daemon's or a manager's output is read: on its scheduler, through its driver, until it ends. */
export interface OutputReading {
  readonly scheduler: SchedulerLike;
  readonly source: FileSource;
  /** The end of the daemon or manager whose output it is: it completes (or emits) then. */
  readonly until: Observable<unknown>;
}

/**
 * The lines written to a daemon's output from the subscription on, read from
 * its file: the lines go on across restarts, since every run appends to the
 * same file, and no pipe ties the process to its reader. They complete at
 * the end of the daemon or manager, once the file is read to its end. An
 * output that is not a `{ file }` has no lines to read: a TypeError naming
 * the option.
 */
export const outputLines$ = (stream: OutputStream, target: Stdio | undefined, reading: OutputReading): Observable<string> => {
  if (typeof target !== 'object') {
    throw new TypeError(`Expected the \`${stream}\` option to be a { file } to read lines from, got ${target === undefined ? 'none' : JSON.stringify(target)}.`);
  }
  return lines$(target.file, reading);
};
