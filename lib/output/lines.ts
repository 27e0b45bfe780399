import { asyncScheduler, ignoreElements, Observable, take, type SchedulerLike } from 'rxjs';
import { fileSystem, rotationsSince, type FileSource } from '../fs/file-source.js';
import { LineSplitter } from './line-splitter.js';

/** Options of {@link lines$}. */
export interface LinesOptions {
  /** Where to begin: `end` (default: only what is written from now on), `start`, or a byte offset. */
  readonly from?: 'end' | 'start' | number;
  /** How often the file is looked at. Default 200 ms. */
  readonly pollMs?: number;
  readonly scheduler?: SchedulerLike;
  readonly source?: FileSource;
  /**
   * The end of the lines: at its first value or its completion, the file
   * is read to its end, those last lines are emitted, and the lines
   * complete (its error is theirs). Default: they never end.
   */
  readonly until?: Observable<unknown>;
}

// Read at most this much at one look, so a flood does not hold the event loop: the rest comes at the next.
const MAX_READ = 1024 * 1024;

/** Where a reader stands in one of the rotated copies of its file, still to be read to its end: `<path>.<backup>`. */
interface Behind {
  backup: number;
  offset: number;
}

/** Options of {@link lineReader}. */
export interface LineReaderOptions extends Pick<LinesOptions, 'from' | 'source'> {
  /**
   * The file's `FileLook.rotations` when it stood at `from` (a byte offset):
   * a rotation since is followed into `.1` from the first look on, as one
   * between two looks is.
   */
  readonly rotations?: number;
}

/**
 * One look at a file: calls `emit` with each line written since the last
 * look, reading at most 1 MiB; true when it read all of that 1 MiB, so
 * there may be more for the next look (the rest of what it looked at, and
 * all that was written since).
 */
export type LineReader = (emit: (line: string) => void) => boolean;

/**
 * The reader behind {@link lines$}, looked at when its caller says (`lines$`
 * every `pollMs`, an output check at each attempt): the same rotations
 * followed, the same lines joined.
 */
export const lineReader = (path: string, options: LineReaderOptions = {}): LineReader => {
  const { from = 'end', source = fileSystem } = options;
  const lines = new LineSplitter();
  let offset: number | undefined = typeof from === 'number' ? from : undefined;
  let ino: number | undefined;
  let rotations = options.rotations;
  // The rotated copies still holding unread lines, oldest first; read before the file itself.
  let behind: Behind[] = [];
  const push = (chunk: Uint8Array, emit: (line: string) => void): void => {
    for (const line of lines.push(chunk)) emit(line);
  };
  // Reads what is left of the rotated copies, at most `budget` bytes; returns what is left of the budget.
  const catchUp = (budget: number, emit: (line: string) => void): number => {
    let left = budget;
    for (let copy = behind[0]; copy !== undefined && left > 0; copy = behind[0]) {
      const chunk = source.read(`${path}.${copy.backup}`, copy.offset, left);
      copy.offset += chunk.length;
      push(chunk, emit);
      // Fewer bytes than asked for: that copy is read to its end.
      if (chunk.length < left) behind.shift();
      left -= chunk.length;
    }
    return left;
  };
  return (emit) => {
    const now = source.look(path);
    if (now === undefined) {
      // No file yet is an empty one: all it will hold is new.
      offset ??= 0;
      return false;
    }
    const turned = rotationsSince(rotations, now);
    if (offset === undefined) offset = from === 'start' ? 0 : now.size;
    else if (turned > 0) {
      // The copies made since move up by as many; what was unread of the file went to `.turned`, and each later
      // rotation's copy is whole.
      for (const copy of behind) copy.backup += turned;
      for (let backup = turned; backup >= 1; backup--) behind.push({ backup, offset: backup === turned ? offset : 0 });
      offset = 0;
    } else if (now.size < offset || (ino !== undefined && now.ino !== ino)) {
      offset = 0;
      behind = [];
      lines.reset();
    }
    ino = now.ino;
    rotations = now.rotations;
    const budget = catchUp(MAX_READ, emit);
    if (behind.length > 0 || budget === 0) return true;
    if (now.size === offset) return false;
    const chunk = source.read(path, offset, Math.min(budget, now.size - offset));
    offset += chunk.length;
    push(chunk, emit);
    return chunk.length === budget;
  };
};

/**
 * One look after another until one finds nothing more: every line written
 * up to now, however much that is (a look reads at most 1 MiB). For the end
 * of a run or of a reader, where what is left must be read at once. Stops
 * early once `closed` says the reader is gone.
 */
export const readToEnd = (look: LineReader, emit: (line: string) => void, closed: () => boolean = () => false): void => {
  while (!closed() && look(emit));
};

/**
 * The lines written to a file, as they arrive, read from the file (never a
 * pipe), looked at every `pollMs` on the scheduler. A line is emitted once
 * its newline is written; a line split across two reads is joined. When the
 * source counts rotations (the drivers' do: see `FileLook.rotations`), a
 * rotation since the last look is known even when the file has grown past
 * where it was read to: the rest is read from `.1` (from `.2`, then `.1`,
 * after two, …), then the file from its start, so every line comes once,
 * in order. Otherwise a file that shrank (truncated by someone else) or was
 * replaced (another inode under the name) is read again from its start; one
 * that is not there yet is waited for, and read whole once it is.
 * Completes at `until`, once the file is read to its end (so the lines a
 * daemon wrote right before it ended come first); without `until`, never:
 * unsubscribe to stop.
 *
 * @example
 * lines$('/var/lib/agent/daemons/logs/web-stdout.log').subscribe((line) => console.log(line));
 */
export const lines$ = (path: string, options: LinesOptions = {}): Observable<string> =>
  new Observable<string>((subscriber) => {
    const { pollMs = 200, scheduler = asyncScheduler, until } = options;
    const look = lineReader(path, options);
    const emit = (line: string): void => {
      subscriber.next(line);
    };
    look(emit);
    if (subscriber.closed) return;
    subscriber.add(
      scheduler.schedule(function again() {
        look(emit);
        if (!subscriber.closed) this.schedule(undefined, pollMs);
      }, pollMs),
    );
    if (until === undefined) return;
    // Its end may have come already (a daemon that ended): then the file is read to its end at once.
    subscriber.add(
      until.pipe(take(1), ignoreElements()).subscribe({
        complete: () => {
          readToEnd(look, emit, () => subscriber.closed);
          subscriber.complete();
        },
        error: (error: unknown) => {
          subscriber.error(error);
        },
      }),
    );
  });
