import { lstatSync } from 'node:fs';
import { Observable } from 'rxjs';
import { fileSystem, type FileSource } from '../fs/file-source.js';
import { lineReader, type LineReader } from '../output/lines.js';
import { check, checkOneOf, satisfying } from '../validate.js';
import type { Check, CheckTarget } from './check.js';
import { errnoOf } from '../errno.js';
import { checkError, type CheckError } from './check-error.js';

type Stream = 'stdout' | 'stderr';

/** Where a run's output begins in one of its files: a byte offset, and how many times the file had been rotated then. */
interface Start {
  readonly offset: number;
  readonly rotations: number | undefined;
}

// Where a run's output begins. The file is append-only across runs, so what
// is before that is earlier runs', and a line of an earlier run must never
// make this one ready. A spawned process's target says where (the file's
// size at the spawn, and its rotation count then). Otherwise it is where the
// file stood when an output check first looked at the run, shared by every
// output check of the run: a health check's first attempt then reads from
// the run's beginning, not from its own first look. Each run has its own
// target object: a WeakMap forgets a run with it.
//
// An adopted process is looked at first when it is adopted, and where its
// output began cannot be known: reading the file from its start could take
// an earlier run's line for this one's, so only lines written after the
// adoption count. A process that announced itself once, before the
// adoption, is therefore not ready until it writes a matching line again
// (tcp or http suit a ready check that must hold across adoption).
const firstLooks = new WeakMap<CheckTarget, Partial<Record<Stream, Start>>>();

// Not there yet: whatever it will hold is this run's.
const lookedAt = (source: FileSource, path: string): Start => {
  const look = source.look(path);
  return { offset: look?.size ?? 0, rotations: look?.rotations };
};

const runStart = (target: CheckTarget, stream: Stream, source: FileSource, path: string): Start => {
  const offset = stream === 'stdout' ? target.stdoutStart : target.stderrStart;
  if (offset !== undefined) return { offset, rotations: stream === 'stdout' ? target.stdoutRotations : target.stderrRotations };
  const looks = firstLooks.get(target) ?? {};
  firstLooks.set(target, looks);
  return (looks[stream] ??= lookedAt(source, path));
};

const shown = (pattern: RegExp): string => {
  const text = String(pattern);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
};

// The file system's source sees no file where a directory, a FIFO or a
// symlink is, or where it may not look: only the file system can say why,
// so an attempt that found nothing asks it, rather than wait for lines that
// cannot come. Another source's missing file is one not written yet.
const unreadable = (source: FileSource, path: string): CheckError | undefined => {
  if (source !== fileSystem) return undefined;
  try {
    const stats = lstatSync(path, { throwIfNoEntry: false });
    return stats === undefined || stats.isFile() ? undefined : checkError('EINVAL', `cannot read ${path}: it is not a regular file`);
  } catch (error) {
    const code = (errnoOf(error) ?? 'EIO');
    return checkError(code, `cannot read ${path}: ${code}`);
  }
};

const Pattern = satisfying('a RegExp', (value): value is RegExp => value instanceof RegExp);

/**
 * A check that passes when a line the daemon wrote to its `stream` file
 * (the target's `stdout` or `stderr`) matches `pattern`: a line written
 * by this run since the previous attempt (the first attempt: since the run
 * began). It reads the file, never a pipe, so it works for an adopted
 * process too, with the reader of `lines$` (through the target's `output`):
 * a line counts once it ends with a newline (a program whose stdout is a
 * file may buffer it: flush, or print to stderr), and a rotation is
 * followed as `lines$` follows it, into `.1` when the driver counted it
 * (even with the file regrown past where the last attempt read to), else
 * from the start of a file truncated or replaced. A target whose `stream`
 * is not a file fails (`ENOOUTPUT`), naming the option. Throws a TypeError
 * for a pattern that is not a RegExp or a stream other than `stdout` or
 * `stderr`.
 *
 * @example
 * new Daemon({ command: 'node', args: ['server.js'] }, {
 *   stdout: { file: '/var/log/app/server.log' },
 *   ready: { check: checks.output(/listening on port \d+/) },
 * });
 */
export const output = (pattern: RegExp, stream: Stream = 'stdout'): Check => {
  check('pattern', pattern, Pattern);
  checkOneOf('stream', stream, ['stdout', 'stderr']);
  // Without g and y, test() keeps no lastIndex between lines.
  const regex = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  // Each run's reader, where the last attempt left it.
  const readers = new WeakMap<CheckTarget, LineReader>();
  const readerOf = (target: CheckTarget, path: string, source: FileSource): LineReader => {
    let reader = readers.get(target);
    if (reader === undefined) {
      const { offset, rotations } = runStart(target, stream, source, path);
      reader = lineReader(path, { from: offset, rotations, source });
      readers.set(target, reader);
    }
    return reader;
  };
  return (target) =>
    new Observable<void>((subscriber) => {
      const path = target[stream];
      if (path === undefined) {
        subscriber.error(checkError('ENOOUTPUT', `checks.output needs the daemon's ${stream} to be a file (\`${stream}: { file }\`, or a manager's data dir)`));
        return undefined;
      }
      const source = target.output ?? fileSystem;
      const read = readerOf(target, path, source);
      let matched = false;
      // Every line is read, a match or not: the next attempt goes on after this one.
      const emit = (line: string): void => {
        matched ||= regex.test(line);
      };
      const decide = (): void => {
        if (matched) subscriber.complete();
        else subscriber.error(unreadable(source, path) ?? checkError('ENOMATCH', `no new line of ${stream} matches ${shown(regex)}`));
      };
      if (!read(emit)) {
        decide();
        return undefined;
      }
      // More than one look's worth was written: the rest is read a look per turn of the scheduler, so a flood does
      // not hold the event loop, until a look finds it caught up (a writer faster than that is cut by the attempt's
      // timeout). An attempt let go meanwhile leaves the reader between two looks, for the next.
      return target.scheduler.schedule(function more() {
        if (read(emit)) this.schedule();
        else decide();
      });
    });
};
