import type { Observable } from 'rxjs';
import type { FileSource } from './file-source.js';
import type { RotateOutcome } from './rotate.js';

/**
 * The files seam of a `ProcessDriver`: the files a daemon's supervision
 * writes and reads (its pid file, its output files), never through a
 * symlink.
 */
export interface Files {
  /** Atomically replaces `path` with `data` (mode 0600 unless given), never through a symlink; completes or errors. Used for pid files: not fsynced. */
  writeFile(path: string, data: string, mode?: number): Observable<void>;
  /** Removes `path`; a file that is already gone is success. */
  removeFile(path: string): Observable<void>;
  /** How the output files are read: by `lines$` and for the crash report (`exited.tail`). */
  readonly output: FileSource;
  /**
   * Rotates the log at `path` when it is past `maxBytes`, keeping `backups`
   * copies (see `maxLogBytes`); emits whether it did, or why it failed (an
   * expected failure: a refused or unreadable file), then completes. One
   * rotation of a path runs at a time; `output.look` counts the rotations.
   */
  rotate(path: string, maxBytes: number, backups: number): Observable<RotateOutcome>;
}
