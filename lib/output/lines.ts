import { asyncScheduler, Observable, type SchedulerLike } from 'rxjs';
import { fileSystem, type FileSource } from './file-source.js';
import { LineSplitter } from './line-splitter.js';

/** Options of {@link lines$}. */
export interface LinesOptions {
  /** Where to begin: `end` (default: only what is written from now on), `start`, or a byte offset. */
  readonly from?: 'end' | 'start' | number;
  /** How often the file is looked at. Default 200 ms. */
  readonly pollMs?: number;
  readonly scheduler?: SchedulerLike;
  readonly source?: FileSource;
}

// Read at most this much at one look, so a flood does not hold the event loop: the rest comes at the next.
const MAX_READ = 1024 * 1024;

/**
 * The lines written to a file, as they arrive, read from the file (never a
 * pipe), looked at every `pollMs` on the scheduler. A line is emitted once
 * its newline is written; a line split across two reads is joined. A file
 * that shrank (truncated by a copy-and-truncate rotation) or was replaced
 * (another inode under the name) is read again from its start; one that is
 * not there yet is waited for, and read whole once it is. Never completes;
 * unsubscribe to stop.
 *
 * @example
 * lines$('/var/lib/agent/daemons/logs/web-stdout.log').subscribe((line) => console.log(line));
 */
export const lines$ = (path: string, options: LinesOptions = {}): Observable<string> =>
  new Observable<string>((subscriber) => {
    const { from = 'end', pollMs = 200, scheduler = asyncScheduler, source = fileSystem } = options;
    const lines = new LineSplitter();
    let offset: number | undefined = typeof from === 'number' ? from : undefined;
    let ino: number | undefined;
    const look = (): void => {
      const now = source.look(path);
      if (now === undefined) {
        // No file yet is an empty one: all it will hold is new.
        offset ??= 0;
        return;
      }
      if (offset === undefined) offset = from === 'start' ? 0 : now.size;
      if (now.size < offset || (ino !== undefined && now.ino !== ino)) {
        offset = 0;
        lines.reset();
      }
      ino = now.ino;
      if (now.size === offset) return;
      const chunk = source.read(path, offset, Math.min(MAX_READ, now.size - offset));
      offset += chunk.length;
      for (const line of lines.push(chunk)) subscriber.next(line);
    };
    look();
    return scheduler.schedule(function again() {
      look();
      this.schedule(undefined, pollMs);
    }, pollMs);
  });
