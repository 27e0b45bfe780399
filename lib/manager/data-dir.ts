import { statSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft, right, type Either } from 'fp-ts/lib/Either.js';
import { errorFields } from '../events.js';
import { ensurePrivateDir } from '../fs/private-dir.js';

/**
 * M3: the layout of a manager's data dir, and the only code that touches
 * it. `logs/<id>-stdout.log`, `logs/<id>-stderr.log`, `pids/<id>.pid`,
 * `snapshot.json` and `journal` (the records, see records.ts), the lock (`lock.d/`, see lock.ts)
 * and `control.sock` (see control-server.ts). Directories are
 * 0700 and files 0600: logs and snapshots can hold secrets. Every file is
 * written through fs/, which follows no symlink.
 */
export class DataDir {
  constructor(readonly root: string) {}

  get snapshotPath(): string {
    return join(this.root, 'snapshot.json');
  }

  get journalPath(): string {
    return join(this.root, 'journal');
  }

  get lockPath(): string {
    return join(this.root, 'lock');
  }

  /** M9: where the manager listens (see control-server.ts). */
  get controlPath(): string {
    return join(this.root, 'control.sock');
  }

  pidFile(id: string): string {
    return join(this.root, 'pids', `${id}.pid`);
  }

  stdout(id: string): string {
    return join(this.root, 'logs', `${id}-stdout.log`);
  }

  stderr(id: string): string {
    return join(this.root, 'logs', `${id}-stderr.log`);
  }

  /**
   * Why the data dir cannot be looked at, for those that only look or act
   * on what it holds (status, shutdown with no manager); undefined when it
   * is a directory. A data dir that is not there is a typo more often than
   * an idle host: said, never taken for "nothing runs".
   */
  problem(): string | undefined {
    try {
      return statSync(this.root).isDirectory() ? undefined : `the data dir ${this.root} is not a directory`;
    } catch (error) {
      const { code, message } = errorFields(error);
      return code === 'ENOENT' ? `there is no data dir ${this.root} (is --data-dir right?)` : `cannot look at the data dir ${this.root}: ${message}`;
    }
  }

  /**
   * Makes the data dir, `logs/` and `pids/` private before anything in them
   * is read or written: created 0700 when missing, made 0700 when more open.
   * One that is a symlink or another user's is refused, saying so.
   */
  prepare(): Either<{ readonly code: string; readonly message: string }, void> {
    for (const dir of [this.root, join(this.root, 'logs'), join(this.root, 'pids')]) {
      const ready = ensurePrivateDir(dir);
      if (isLeft(ready)) return ready;
    }
    return right(undefined);
  }
}
