import { accessSync, constants, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { defer, from, type Observable } from 'rxjs';
import writeFileAtomic from 'write-file-atomic';
import { errorFields } from '../events.js';

/** The stored shape of snapshot.json: versioned; each daemon's entry is decoded on its own, so one bad entry spoils nothing else. */
const ManagerSnapshot = t.type({ version: t.literal(1), daemons: t.record(t.string, t.unknown) });

/** The text of snapshot.json for some daemons: compact, since `rxdaemon status` is how a human reads it. */
export const snapshotText = (daemons: Readonly<Record<string, unknown>>): string => `${JSON.stringify({ version: 1, daemons })}\n`;

/** What reading snapshot.json found. */
export type SnapshotRead =
  | { readonly kind: 'none' }
  | { readonly kind: 'ok'; readonly daemons: Readonly<Record<string, unknown>> }
  | { readonly kind: 'corrupt'; readonly message: string; readonly movedTo: string };

/**
 * M3: the layout of a manager's data dir, and the only code that touches
 * it. `logs/<id>-stdout.log`, `logs/<id>-stderr.log`, `pids/<id>.pid`,
 * `snapshot.json`, `lock`. Directories are 0700 and files 0600: logs and
 * snapshots can hold secrets.
 */
export class DataDir {
  constructor(readonly root: string) {}

  get snapshotPath(): string {
    return join(this.root, 'snapshot.json');
  }

  get lockPath(): string {
    return join(this.root, 'lock');
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

  /** Creates the dirs that are missing and checks they can be written. */
  prepare(): Either<{ code: string; message: string }, void> {
    try {
      for (const dir of [this.root, join(this.root, 'logs'), join(this.root, 'pids')]) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        accessSync(dir, constants.W_OK | constants.X_OK);
      }
      return right(undefined);
    } catch (error) {
      return left(errorFields(error));
    }
  }

  /**
   * Reads snapshot.json. A file that is not JSON, or not a snapshot, is
   * renamed aside (never deleted) so a human can look at it.
   */
  readSnapshot(now: number): SnapshotRead {
    let text: string;
    try {
      text = readFileSync(this.snapshotPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
      return this.setAside(now, errorFields(error).message);
    }
    try {
      const decoded = ManagerSnapshot.decode(JSON.parse(text));
      return decoded._tag === 'Right' ? { kind: 'ok', daemons: decoded.right.daemons } : this.setAside(now, 'not a manager snapshot (version 1)');
    } catch (error) {
      return this.setAside(now, errorFields(error).message);
    }
  }

  /** Writes snapshot.json atomically, 0600: the text {@link snapshotText} made. */
  writeSnapshot(text: string): Observable<void> {
    return defer(() => from(writeFileAtomic(this.snapshotPath, text, { mode: 0o600 })));
  }

  private setAside(now: number, message: string): SnapshotRead {
    const movedTo = `${this.snapshotPath}.corrupt-${now}`;
    try {
      renameSync(this.snapshotPath, movedTo);
      return { kind: 'corrupt', message, movedTo };
    } catch (error) {
      return { kind: 'corrupt', message: `${message}; could not set it aside: ${errorFields(error).message}`, movedTo: this.snapshotPath };
    }
  }
}
