import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { errorFields } from '../events.js';
import type { Processes } from '../process/processes.js';
import { createFileSafe, writeFileSafe } from '../fs/write-file.js';
import { ensurePrivateDir } from '../fs/private-dir.js';
import { readFileSafe } from '../fs/read-file.js';
import { removeFileSafe } from '../fs/remove-file.js';
import { readProcStat } from '../process/proc-stat.js';
import { codedError } from '../errno.js';

/*
 * M7: one manager per data dir, decided by one atomic step.
 *
 * POSIX has no compare-and-swap on a path, so a dead owner's lock is never
 * replaced; it is succeeded. The lock at `path` is a sequence of
 * generations, `path.d/1`, `path.d/2`, …, each naming the manager that
 * created it; a 0.1 manager's plain file at `path` is generation 0. The
 * holder is the creator of the highest generation. To take over from
 * generation n, a manager reads that its owner is dead (or released it)
 * and then creates n+1 with link(2), which fails if the name exists: of any
 * number of managers that read the same dead n, exactly one creates n+1,
 * and the others find n+1 held by a live owner when they look again.
 *
 * That argument needs each name to be created once, yet the holder deletes
 * the generations below its own (or the lock would grow by a file per
 * start). So a manager that read n long ago, stalled, and links n+1 after a
 * later holder deleted it must learn that it lost: `path.d/top` tells it.
 * Only a holder writes `top`, its own generation, atomically, before it
 * deletes anything below; holders follow one another, so `top` only grows,
 * and a name is deleted only once `top` is above it. Right after linking
 * n+1, then: if `top` is below n+1, the name was never used before, nothing
 * above it exists (a generation is created only by one who read the one
 * below it), and every earlier owner is dead or released, so the linker is
 * the holder. If `top` is at or above n+1, it lost: it removes its file and
 * looks again. Lookups start at `top` and walk up name by name, since the
 * generations from `top` up are never deleted while it points there: no
 * step trusts a directory listing to be a snapshot.
 *
 * Release rewrites the holder's generation, atomically, with `released`:
 * the name stays, and a released lock reads like a dead owner's, which
 * matters when the next manager runs in this very process.
 */

/** Who created a generation: a pid and its start time, so a reused pid is not taken for the owner. */
interface Owner {
  readonly pid: number;
  readonly startTime: string | null;
}

/** A generation's content. */
interface Generation extends Owner {
  readonly released: boolean;
}

/** The lock a manager holds on its data dir. */
export interface DataDirLock {
  release(): void;
}

/** Who holds a data dir's lock, as `rxdaemon status` tells it. */
export interface LockHolder {
  readonly pid: number;
  /** Whether that process (pid and start time) still runs. */
  readonly alive: boolean;
}

// Each retry follows another manager's move; a handful means they keep racing, and a refusal is honest.
const MAX_TRIES = 8;

const generations = (path: string): string => `${path}.d`;
const generationPath = (path: string, n: number): string => (n === 0 ? path : join(generations(path), String(n)));
const topPath = (path: string): string => join(generations(path), 'top');

/** An owner named by a generation's text; undefined for no text, or text that names none. */
const parseGeneration = (text: string | undefined): Generation | undefined => {
  if (text === undefined) return undefined;
  try {
    const { pid, startTime, released } = JSON.parse(text) as Partial<Record<keyof Generation, unknown>>;
    if (typeof pid !== 'number') return undefined;
    return { pid, startTime: typeof startTime === 'string' ? startTime : null, released: released === true };
  } catch {
    return undefined;
  }
};

/** The generation `top` names; 0 before any 0.2 manager held the lock. A `top` that is not a number is refused: guessing could make two holders. */
const readTop = (path: string): number => {
  const text = readFileSafe(topPath(path));
  if (text === undefined) return 0;
  if (!/^\d+\n$/.test(text)) throw codedError('EINVAL', `${topPath(path)} does not hold a generation number`);
  return Number(text);
};

const exists = (path: string): boolean => lstatSync(path, { throwIfNoEntry: false }) !== undefined;

/** The highest generation, found from `top` up, one name at a time. */
const highest = (path: string): number => {
  let n = readTop(path);
  while (exists(generationPath(path, n + 1))) n++;
  return n;
};

/**
 * What generation `n` says: 'gone' when it was deleted while we looked;
 * undefined when no owner is named (none yet, or unreadable JSON). The
 * generation `top` names is never deleted, so its absence is damage, and a
 * guess could make two holders: it throws, saying how to repair.
 */
const readGeneration = (path: string, n: number): Generation | 'gone' | undefined => {
  const text = readFileSafe(generationPath(path, n));
  if (text !== undefined || n === 0) return parseGeneration(text);
  if (readTop(path) !== n) return 'gone';
  throw codedError('ENOENT', `${generationPath(path, n)} is missing, though ${topPath(path)} names it; if no manager runs on this data dir, remove ${generations(path)}`);
};

const isAlive = (owner: Owner, me: Owner, processes: Processes): boolean => {
  // Our own pid: another manager in this very process, unless the lock is from an earlier process that had our pid.
  if (owner.pid === me.pid) return owner.startTime === me.startTime;
  const probe = processes.probe(owner.pid);
  // A process we cannot see (a hidepid /proc) may be the owner: taking its lock over would be a guess.
  if (probe.state === 'hidden') return true;
  return probe.state !== 'dead' && (owner.startTime === null || probe.startTime === owner.startTime);
};

const holds = (generation: Generation | undefined, me: Owner, processes: Processes): generation is Generation =>
  generation !== undefined && !generation.released && isAlive(generation, me, processes);

/**
 * The new holder's housekeeping: `top` first, then what is below it (older
 * generations, a 0.1 lock, files of managers that lost). The lock is held
 * either way, so a failure here only leaves files for the next holder: the
 * walk up from an older `top` finds the generations above it.
 */
const tidy = (path: string, mine: number): void => {
  try {
    writeFileSafe(topPath(path), `${mine}\n`);
    removeFileSafe(path);
    for (const name of readdirSync(generations(path))) {
      if (/^\d+$/.test(name) && Number(name) < mine) removeFileSafe(join(generations(path), name));
    }
  } catch {
    // Left for the next holder, as above.
  }
};

const lockOf = (path: string, mine: number, me: Owner): DataDirLock => {
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      try {
        writeFileSafe(generationPath(path, mine), JSON.stringify({ ...me, released: true }));
      } catch {
        // The data dir is gone or unwritable: the lock is freed anyway when this process ends.
      }
    },
  };
};

/**
 * M7: takes the lock of a data dir (`path` is the data dir's `lock`; the
 * generations live in `path.d/`, a private dir). A lock held by a live
 * manager (pid and start time) refuses; a dead or released one is taken
 * over, and of managers starting at the same instant exactly one wins.
 * Left says why the lock was not taken, in words for the user.
 *
 * @example
 * const lock = acquireLock(join(dataDir, 'lock'), defaultDriver().processes);
 * if (isRight(lock)) lock.right.release();
 */
export const acquireLock = (path: string, processes: Processes): Either<string, DataDirLock> => {
  const dir = ensurePrivateDir(generations(path));
  if (isLeft(dir)) return left(`cannot lock the data dir: ${dir.left.message}`);
  try {
    return tryToLock(path, processes);
  } catch (error) {
    return left(`cannot lock the data dir: ${errorFields(error).message}`);
  }
};

const tryToLock = (path: string, processes: Processes): Either<string, DataDirLock> => {
  const me: Owner = { pid: processes.ownPid, startTime: readProcStat(processes.ownPid)?.startTime ?? null };
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const n = highest(path);
    const current = readGeneration(path, n);
    if (current === 'gone') continue;
    // A 0.1 manager still running beside generations of ours is an owner too.
    const legacy = n === 0 ? undefined : parseGeneration(readFileSafe(path));
    const owner = [current, legacy].find((generation) => holds(generation, me, processes));
    if (owner !== undefined) return left(`the data dir is in use by a running manager (pid ${owner.pid}); stop it first, or use another --data-dir`);
    const mine = n + 1;
    // The one atomic step: of all who read n, one creates n+1.
    if (!createFileSafe(generationPath(path, mine), JSON.stringify(me))) continue;
    if (readTop(path) >= mine) {
      // The name had been used and deleted since we read n: a later generation holds the lock.
      removeFileSafe(generationPath(path, mine));
      continue;
    }
    tidy(path, mine);
    return right(lockOf(path, mine, me));
  }
  return left('could not take the data dir lock: other managers kept taking it; try again');
};

/**
 * Who holds the lock at `path` (a data dir's `lock`), without touching it:
 * undefined when no manager ever did or the last one released it. Left
 * says why the lock could not be read.
 *
 * @example
 * const holder = lockHolder(join(dataDir, 'lock'), defaultDriver().processes);
 */
export const lockHolder = (path: string, processes: Processes): Either<string, LockHolder | undefined> => {
  try {
    const me: Owner = { pid: processes.ownPid, startTime: readProcStat(processes.ownPid)?.startTime ?? null };
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const generation = readGeneration(path, highest(path));
      if (generation === 'gone') continue;
      return right(generation === undefined || generation.released ? undefined : { pid: generation.pid, alive: isAlive(generation, me, processes) });
    }
    return left('the lock changed hands too often to read');
  } catch (error) {
    return left(errorFields(error).message);
  }
};
