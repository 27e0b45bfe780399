import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { concat, from, type Observable, type SchedulerLike } from 'rxjs';
import { errorFields } from '../events.js';
import { lines$ } from '../output/lines.js';

/** The end of a log: its last whole lines, what follows the last newline, and where that begins. */
export interface LastLines {
  readonly lines: readonly string[];
  /** A line still being written (no newline yet); '' when the file ends with one. */
  readonly partial: string;
  /** The offset just after the last newline: where the lines to come begin. */
  readonly end: number;
}

const CHUNK = 64 * 1024;
// However many lines are asked for, a reply reads at most this much of a log.
const MAX_BYTES = 16 * 1024 * 1024;

const countNewlines = (buffer: Buffer): number => {
  let n = 0;
  for (let at = buffer.indexOf(10); at !== -1; at = buffer.indexOf(10, at + 1)) n++;
  return n;
};

/** Reads backwards from the end, a chunk at a time, until `count` whole lines (and the newline before them) are in. */
const readEnd = (fd: number, size: number, count: number): { readonly text: string; readonly start: number } => {
  const chunks: Buffer[] = [];
  let start = size;
  let newlines = 0;
  while (start > 0 && newlines <= count && size - start < MAX_BYTES) {
    const length = Math.min(CHUNK, start);
    const chunk = Buffer.alloc(length);
    const read = readSync(fd, chunk, 0, length, start - length);
    // Shrunk under us (a rotation): what was read so far is what there is.
    if (read < length) break;
    start -= length;
    chunks.unshift(chunk);
    newlines += countNewlines(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), start };
};

/**
 * The last `count` lines of a log file, read backwards from its end (a
 * big log costs only what is shown, and at most 16 MiB). Right(undefined)
 * when there is no file; Left, saying why, when it cannot be read or is not
 * a regular file (a symlink is not followed: a log never is one).
 *
 * @example
 * const last = lastLines('/var/lib/agent/daemons/logs/web-stderr.log', 20);
 */
export const lastLines = (path: string, count: number): Either<string, LastLines | undefined> => {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const { code, message } = errorFields(error);
    return code === 'ENOENT' ? right(undefined) : left(code === 'ELOOP' ? `${path} is a symlink, not a log` : message);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return left(`${path} is not a regular file`);
    const { text, start } = readEnd(fd, stats.size, count);
    const cut = text.lastIndexOf('\n') + 1;
    const whole = text.slice(0, cut).split('\n').slice(0, -1);
    // A read that began mid-file begins mid-line: that first piece is not a line.
    if (start > 0) whole.shift();
    return right({ lines: count === 0 ? [] : whole.slice(-count), partial: text.slice(cut), end: start + Buffer.byteLength(text.slice(0, cut)) });
  } catch (error) {
    return left(errorFields(error).message);
  } finally {
    closeSync(fd);
  }
};

/**
 * What `rxdaemon logs` says of daemon `id`'s `stream` log at `path` when the
 * daemon has written nothing to it: there is no file, or an empty one, and
 * no rotated copy (`.1`) that holds something. Undefined when there is
 * something to show, or something else than a log there (which reading it
 * says).
 *
 * @example
 * emptyLogNote('web', 'stderr', '/var/lib/agent/daemons/logs/web-stderr.log'); // 'web has written nothing to its stderr yet (…)'
 */
export const emptyLogNote = (id: string, stream: 'stdout' | 'stderr', path: string): string | undefined => {
  const empty = [path, `${path}.1`].every((file) => {
    const found = lstatSync(file, { throwIfNoEntry: false });
    return found === undefined || (found.isFile() && found.size === 0);
  });
  return empty ? `${id} has written nothing to its ${stream} yet (${path})` : undefined;
};

/** Options of {@link logLines}. */
export interface LogLinesOptions {
  /** How many of the last lines first. */
  readonly lines: number;
  /** Then every new line, as it is written, until unsubscribed or `until`. */
  readonly follow: boolean;
  readonly scheduler?: SchedulerLike;
  /** How often a followed file is looked at. Default 200 ms. */
  readonly pollMs?: number;
  /** The end of following (its first value or its completion): the file is read to its end, then the lines complete. */
  readonly until?: Observable<unknown>;
}

/**
 * A log as `rxdaemon logs` shows it: its last `lines` lines (and a line
 * still being written, when not following), then, when following, each
 * line as it is written: from where the last ones ended, so none is lost
 * or shown twice; across a truncation (rotation) or a replaced file too.
 * Without `follow` the lines complete; following, they complete at `until`,
 * once the file is read to its end. The end of the file is read at once:
 * a Left says why it cannot be (a refusal: what is there is no log, or
 * cannot be read). No file yet is an empty log.
 *
 * @example
 * const log = logLines('/var/lib/agent/daemons/logs/web-stdout.log', { lines: 20, follow: true });
 * if (isRight(log)) log.right.subscribe((line) => console.log(line));
 */
export const logLines = (path: string, options: LogLinesOptions): Either<string, Observable<string>> => {
  const last = lastLines(path, options.lines);
  if (isLeft(last)) return last;
  const { lines, partial, end } = last.right ?? { lines: [], partial: '', end: 0 };
  if (!options.follow) return right(from(partial === '' ? lines : [...lines, partial]));
  const { scheduler, pollMs, until } = options;
  return right(concat(from(lines), lines$(path, { from: end, scheduler, pollMs, until })));
};
