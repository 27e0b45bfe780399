import { realpathSync } from 'node:fs';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { SCOPE_VARIABLE } from '../daemon/spawn-spec.js';
import { errorFields } from '../events.js';
import type { Marked } from '../process/system-scans.js';
import type { ProcessDriver } from '../process/driver.js';
import { DataDir } from './data-dir.js';
import type { ManagerRefusedEvent } from './events.js';
import { acquireLock, type DataDirLock } from './lock.js';
import { Records, type Found } from './records.js';

/** A data dir a manager may use: private, locked, its records read, its scope's live processes found. */
export interface OpenedDataDir {
  readonly dataDir: DataDir;
  readonly lock: DataDirLock;
  readonly records: Records;
  /** What an earlier manager recorded. */
  readonly found: Found;
  /** The value every process of this data dir carries in `RXDAEMON_SCOPE` (M8). */
  readonly scope: string;
  /** The live processes carrying it, whether recorded or not. */
  readonly marked: readonly Marked[];
}

type Refusal = Pick<ManagerRefusedEvent, 'code' | 'message'>;

/**
 * The scope of a data dir: a short hash of its real path. Not secret; the same
 * for every manager of that dir. node:crypto is loaded here, at first use, not
 * by import('rxdaemon') (P7: cold start).
 */
export const scopeOf = (root: string): string => process.getBuiltinModule('node:crypto').createHash('sha256').update(realpathSync(root)).digest('hex').slice(0, 16);

/**
 * Opens a data dir in the only safe order: made private (or refused)
 * before anything in it is read or written (M3), then locked (M7), and
 * only then read: the records, and the live processes of its scope.
 */
export const openDataDir = (root: string, driver: ProcessDriver, idVariable: string, now: number): Either<Refusal, OpenedDataDir> => {
  const dataDir = new DataDir(root);
  const prepared = dataDir.prepare();
  if (isLeft(prepared)) return left({ code: 'EDATADIR', message: `cannot use the data dir ${root}: ${prepared.left.message}` });
  const locked = acquireLock(dataDir.lockPath, driver.processes);
  if (isLeft(locked)) return left({ code: 'ELOCKED', message: locked.left });
  const lock = locked.right;
  try {
    const { records, found } = Records.open(dataDir, now);
    const scope = scopeOf(root);
    return right({ dataDir, lock, records, found, scope, marked: driver.system.findMarked(SCOPE_VARIABLE, scope, idVariable) });
  } catch (error) {
    // Records that cannot be read are not records to guess around: refuse, and let go of the lock.
    lock.release();
    return left({ code: 'EDATADIR', message: `cannot read the records of ${root}: ${errorFields(error).message}` });
  }
};
