import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Observable } from 'rxjs';
import { check, checkOneOf } from '../validate.js';
import type { Check, CheckTarget } from './check.js';
import { checkError, errnoOf } from './check-error.js';
import { LineSplitter } from '../output/line-splitter.js';

type Stream = 'stdout' | 'stderr';

/** How far one output check has read a run's file. */
interface Cursor {
  offset: number;
  /** The file's inode: another file under the same name (a rotation that renames) is read from its start. */
  ino: number | undefined;
  readonly lines: LineSplitter;
}

const CHUNK_BYTES = 64 * 1024;

// Where a run's output begins. The file is append-only across runs, so what
// is before that is earlier runs', and a line of an earlier run must never
// make this one ready. A spawned process's target says where (the file's
// size at the spawn). Otherwise it is the size of the file when an output
// check first looked at the run, shared by every output check of the run:
// a health check's first attempt then reads from the run's beginning, not
// from its own first look. Each run has its own target object: a WeakMap
// forgets a run with it.
//
// An adopted process is looked at first when it is adopted, and where its
// output began cannot be known: reading the file from its start could take
// an earlier run's line for this one's, so only lines written after the
// adoption count. A process that announced itself once, before the
// adoption, is therefore not ready until it writes a matching line again
// (tcp or http suit a ready check that must hold across adoption).
const firstLooks = new WeakMap<CheckTarget, Partial<Record<Stream, number>>>();

const runStart = (target: CheckTarget, stream: Stream, size: number): number => {
  const known = stream === 'stdout' ? target.stdoutStart : target.stderrStart;
  if (known !== undefined) return known;
  const looks = firstLooks.get(target) ?? {};
  firstLooks.set(target, looks);
  return (looks[stream] ??= size);
};

const shown = (pattern: RegExp): string => {
  const text = String(pattern);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
};

const openOrMissing = async (path: string): Promise<FileHandle | undefined> => {
  try {
    // O_NONBLOCK: a FIFO put in the file's place cannot hang the check.
    return await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = errnoOf(error, 'EIO');
    if (code === 'ENOENT') return undefined;
    throw checkError(code, `cannot read ${path}: ${code}`);
  }
};

/**
 * Reads what was appended to `path` since `cursor` and says whether a
 * complete line of it matches. Stops touching the cursor once `over()`: an
 * attempt let go must not move the cursor of the next.
 */
const readNewLines = async (handle: FileHandle, path: string, cursor: Cursor, matches: (line: string) => boolean, over: () => boolean): Promise<boolean> => {
  const stats = await handle.stat();
  if (over()) return false;
  if (!stats.isFile()) throw checkError('EINVAL', `cannot read ${path}: it is not a regular file`);
  // Truncated in place (rotation copies, then truncates) or replaced: the output goes on from the new start.
  if (stats.size < cursor.offset || (cursor.ino !== undefined && stats.ino !== cursor.ino)) {
    cursor.offset = 0;
    cursor.lines.reset();
  }
  cursor.ino = stats.ino;
  let matched = false;
  const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, Math.max(1, stats.size - cursor.offset)));
  // Up to the size seen now, not after: a daemon that writes fast must not keep one attempt reading forever.
  while (cursor.offset < stats.size) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, stats.size - cursor.offset), cursor.offset);
    if (over() || bytesRead === 0) break;
    cursor.offset += bytesRead;
    // Every line is read, a match or not: the next attempt goes on after this one.
    for (const line of cursor.lines.push(buffer.subarray(0, bytesRead))) matched ||= matches(line);
  }
  return matched;
};

/**
 * A check that passes when a line the daemon wrote to its `stream` file
 * (the target's `stdout` or `stderr`) matches `pattern`: a line written
 * by this run since the previous attempt (the first attempt: since the run
 * began). It reads the file, never a pipe, so it works for an adopted
 * process too. A line counts once it ends with a newline (a program whose
 * stdout is a file may buffer it: flush, or print to stderr). A file
 * truncated or replaced by a rotation is read again from its start. A
 * target whose `stream` is not a file fails (`ENOOUTPUT`), naming the
 * option. Throws a TypeError for a pattern that is not a RegExp or a
 * stream other than `stdout` or `stderr`.
 *
 * @example
 * new Daemon({ command: 'node', args: ['server.js'] }, {
 *   stdout: { file: '/var/log/app/server.log' },
 *   ready: { check: checks.output(/listening on port \d+/) },
 * });
 */
export const output = (pattern: RegExp, stream: Stream = 'stdout'): Check => {
  check('pattern', pattern, (value): value is RegExp => value instanceof RegExp, 'a RegExp');
  checkOneOf('stream', stream, ['stdout', 'stderr']);
  // Without g and y, test() keeps no lastIndex between lines.
  const regex = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  const matches = (line: string): boolean => regex.test(line);
  const cursors = new WeakMap<CheckTarget, Cursor>();
  const attempt = async (target: CheckTarget, over: () => boolean): Promise<boolean> => {
    const path = target[stream];
    if (path === undefined) {
      throw checkError('ENOOUTPUT', `checks.output needs the daemon's ${stream} to be a file (\`${stream}: { file }\`, or a manager's data dir)`);
    }
    const handle = await openOrMissing(path);
    try {
      if (over()) return false;
      let cursor = cursors.get(target);
      if (cursor === undefined) {
        // Not there yet: whatever it will hold is this run's.
        const size = handle === undefined ? 0 : (await handle.stat()).size;
        if (over()) return false;
        cursor = { offset: runStart(target, stream, size), ino: undefined, lines: new LineSplitter() };
        cursors.set(target, cursor);
      }
      return handle !== undefined && (await readNewLines(handle, path, cursor, matches, over));
    } finally {
      await handle?.close();
    }
  };
  return (target) =>
    new Observable<void>((subscriber) => {
      let over = false;
      attempt(target, () => over).then(
        (matched) => {
          if (matched) subscriber.complete();
          else subscriber.error(checkError('ENOMATCH', `no new line of ${stream} matches ${shown(regex)}`));
        },
        (error: unknown) => {
          subscriber.error(error);
        },
      );
      return () => {
        over = true;
      };
    });
};
