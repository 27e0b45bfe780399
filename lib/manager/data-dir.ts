import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft, right, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { defer, of, type Observable } from 'rxjs';
import { errorFields } from '../events.js';
import { ensurePrivateDir, readFileSafe, writeFileSafe } from '../process/files.js';

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
 * `snapshot.json`, and the lock (`lock.d/`, see lock.ts). Directories are
 * 0700 and files 0600: logs and snapshots can hold secrets. Every file is
 * written through process/files.ts, which follows no symlink.
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

  /**
   * Reads snapshot.json. A file that is not JSON, or not a snapshot, is
   * renamed aside (never deleted) so a human can look at it.
   */
  readSnapshot(now: number): SnapshotRead {
    let text: string | undefined;
    try {
      text = readFileSafe(this.snapshotPath);
    } catch (error) {
      // A symlink is set aside too: renaming moves the link, never its target.
      return this.setAside(now, errorFields(error).message);
    }
    if (text === undefined) return { kind: 'none' };
    try {
      const decoded = ManagerSnapshot.decode(JSON.parse(text));
      return decoded._tag === 'Right' ? { kind: 'ok', daemons: decoded.right.daemons } : this.setAside(now, 'not a manager snapshot (version 1)');
    } catch (error) {
      return this.setAside(now, errorFields(error).message);
    }
  }

  /** Writes snapshot.json atomically, 0600, replacing a symlink there rather than its target: the text {@link snapshotText} made. */
  writeSnapshot(text: string): Observable<void> {
    return defer(() => {
      writeFileSafe(this.snapshotPath, text);
      return of(undefined);
    });
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
