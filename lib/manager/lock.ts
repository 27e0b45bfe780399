import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { errorFields } from '../events.js';
import type { ProcessDriver } from '../process/driver.js';
import { readProcStat } from '../process/proc-stat.js';

/** Who owns a data dir: a pid and its start time, so a reused pid is not taken for the owner. */
interface Owner {
  readonly pid: number;
  readonly startTime: string | null;
}

const readOwner = (path: string): Owner | undefined => {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<Owner> | null;
    return typeof owner?.pid === 'number' ? { pid: owner.pid, startTime: typeof owner.startTime === 'string' ? owner.startTime : null } : undefined;
  } catch {
    return undefined;
  }
};

const ownerIsAlive = (owner: Owner, me: Owner, driver: ProcessDriver): boolean => {
  // Our own pid: another manager in this very process, unless the lock is from an earlier process that had our pid.
  if (owner.pid === me.pid) return owner.startTime === me.startTime;
  const probe = driver.probe(owner.pid);
  return probe.state !== 'dead' && (owner.startTime === null || probe.startTime === owner.startTime);
};

/** The lock a manager holds on its data dir. */
export interface DataDirLock {
  release(): void;
}

/**
 * M7: one manager per data dir. The lock file names its owner; it is
 * created with link(2), which fails if the file exists, so of two managers
 * starting at once only one wins. A lock whose owner is dead (or whose pid
 * was reused) is taken over: it is renamed aside first, and only the
 * manager whose rename succeeded may create the new one.
 */
export const acquireLock = (path: string, driver: ProcessDriver): Either<string, DataDirLock> => {
  try {
    return tryToLock(path, driver);
  } catch (error) {
    return left(`cannot lock the data dir: ${errorFields(error).message}`);
  }
};

const tryToLock = (path: string, driver: ProcessDriver): Either<string, DataDirLock> => {
  const me: Owner = { pid: driver.ownPid, startTime: readProcStat(driver.ownPid)?.startTime ?? null };
  const draft = `${path}.${me.pid}`;
  writeFileSync(draft, JSON.stringify(me), { mode: 0o600 });
  try {
    for (let tries = 0; tries < 3; tries++) {
      try {
        linkSync(draft, path);
        return right({
          release: () => {
            if (readOwner(path)?.pid === me.pid) rmSync(path, { force: true });
          },
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(path);
      if (owner !== undefined && ownerIsAlive(owner, me, driver)) {
        return left(`the data dir is in use by a running manager (pid ${owner.pid}); stop it first, or use another --data-dir`);
      }
      try {
        renameSync(path, `${path}.stale-${me.pid}`);
        rmSync(`${path}.stale-${me.pid}`, { force: true });
      } catch {
        // Another manager moved the stale lock first; look again.
      }
    }
    return left('could not take the data dir lock: another manager keeps taking it');
  } finally {
    rmSync(draft, { force: true });
  }
};
