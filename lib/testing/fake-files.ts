import { left, right } from 'fp-ts/lib/Either.js';
import { defer, of, throwError, type Observable } from 'rxjs';
import { codedError } from '../errno.js';
import type { FileSource } from '../fs/file-source.js';
import type { Files } from '../fs/files.js';
import type { RotateOutcome } from '../fs/rotate.js';
import type { OutputStart } from '../process/processes.js';
import type { SpawnSpec, Stdio } from '../process/spawn-spec.js';

const eacces = (path: string): NodeJS.ErrnoException => codedError('EACCES', `EACCES: permission denied, open '${path}'`);

/**
 * {@link Files} in memory: a `Map` from path to content, which the pid
 * files, `lines$`, the crash report and rotation use, and which a test
 * reads and fills itself (a fake process writes what its script's `writes`
 * says, nothing else). Writes, removals and rotations of an `unwritable`
 * path fail with EACCES.
 *
 * @example
 * const files = new FakeFiles();
 * const daemon = new Daemon({ command: 'x' }, { driver: { files }, pidFile: '/run/x.pid' });
 * daemon.start();
 * // Once it runs: files.get('/run/x.pid') is its pid and a newline.
 */
export class FakeFiles extends Map<string, string> implements Files {
  /** Paths whose writes, removals and rotations fail with EACCES. */
  readonly unwritable = new Set<string>();
  /** How many times each file was rotated: `output.look` tells readers, as the real file system's does. */
  readonly #rotations = new Map<string, number>();

  writeFile(path: string, data: string): Observable<void> {
    return defer(() => {
      if (this.unwritable.has(path)) return throwError(() => eacces(path));
      this.set(path, data);
      return of(undefined);
    });
  }

  removeFile(path: string): Observable<void> {
    return defer(() => {
      if (this.unwritable.has(path)) return throwError(() => eacces(path));
      this.delete(path);
      return of(undefined);
    });
  }

  /**
   * Appends what a fake process writes at its spawn to its outputs that are
   * files, and says where its run begins in each: their sizes before, and
   * their rotations so far, as the real driver records them at a spawn.
   */
  appendOutputs({ stdout, stderr }: Pick<SpawnSpec, 'stdout' | 'stderr'>, writes: { readonly stdout?: string; readonly stderr?: string }): OutputStart {
    const append = (target: Stdio, text = ''): { readonly at: number; readonly rotations: number } | undefined => {
      if (typeof target !== 'object') return undefined;
      const before = this.get(target.file) ?? '';
      this.set(target.file, before + text);
      return { at: Buffer.byteLength(before), rotations: this.#rotations.get(target.file) ?? 0 };
    };
    const out = append(stdout, writes.stdout);
    const err = append(stderr, writes.stderr);
    return {
      ...(out === undefined ? {} : { stdout: out.at, stdoutRotations: out.rotations }),
      ...(err === undefined ? {} : { stderr: err.at, stderrRotations: err.rotations }),
    };
  }

  /** Reads the files in this map: for `lines$` and the crash report. */
  readonly output: FileSource = {
    look: (path) => {
      const text = this.get(path);
      return text === undefined ? undefined : { size: Buffer.byteLength(text), ino: 1, rotations: this.#rotations.get(path) ?? 0 };
    },
    read: (path, offset, length) => Buffer.from(this.get(path) ?? '').subarray(offset, offset + length),
  };

  /**
   * Rotates a file as the real one rotates on disk: `.1` … up one, the file
   * to `.1`, then emptied, and counted; an `unwritable` path fails with
   * EACCES.
   */
  rotate(path: string, maxBytes: number, backups: number): Observable<RotateOutcome> {
    return defer(() => {
      const text = this.get(path);
      if (text === undefined || Buffer.byteLength(text) <= maxBytes) return of(right(false));
      if (this.unwritable.has(path)) return of(left(eacces(path)));
      for (let k = backups - 1; k >= 1; k--) {
        const older = this.get(`${path}.${k}`);
        if (older !== undefined) this.set(`${path}.${k + 1}`, older);
      }
      this.set(`${path}.1`, text);
      this.set(path, '');
      this.#rotations.set(path, (this.#rotations.get(path) ?? 0) + 1);
      return of(right(true));
    });
  }
}
