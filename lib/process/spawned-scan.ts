import { readFileSync, readlinkSync } from 'node:fs';
import type { Spawned } from './system-scans.js';
import { environValue } from './environ-scan.js';
import { isSignallablePid } from './pid.js';
import { hasExited, lookUpProcStat, procPids } from './proc-stat.js';
import { errnoOf } from '../errno.js';

/** One spawn looked for: a process started in [after, after + within] ticks since boot, running one of `executables`. */
export interface SpawnedQuery {
  readonly after: number;
  readonly within: number;
  /** What /proc/<pid>/exe of the spawn's process shows (see `executablesOf`). */
  readonly executables: readonly string[];
}

// The kernel's mark on the exe of a process whose file was since replaced
// or removed (a package upgrade): it still ran that path.
const DELETED = ' (deleted)';

/** What /proc/<pid>/exe says: the path, null when it may not be read (EACCES, EPERM), undefined when there is none (gone, a kernel thread). */
const exeOf = (pid: number): string | null | undefined => {
  try {
    const exe = readlinkSync(`/proc/${pid}/exe`);
    return exe.endsWith(DELETED) ? exe.slice(0, -DELETED.length) : exe;
  } catch (error) {
    const code = errnoOf(error);
    return code === 'EACCES' || code === 'EPERM' ? null : undefined;
  }
};

/** Whether the environ of `pid` can be read and holds `name`: one that cannot be read shows nothing. */
const carries = (pid: number, name: string): boolean => {
  try {
    return environValue(readFileSync(`/proc/${pid}/environ`), name) !== undefined;
  } catch {
    return false;
  }
};

/** Whether this process may signal `pid`: a process it may not was never one it started. */
const maySignal = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * For each query, the live session leaders (pid = session id) started in
 * its window that this process may signal, whose environ does not visibly
 * carry `unlessMarked` (carrying it, they are the scope scan's to find, or
 * another manager's), and whose executable is one of the query's or cannot
 * be read (`unreadable`, which says nothing either way). One pass over
 * /proc for all queries: each pid's stat is read once, and only the few
 * started in a window are looked at further. Linux only: elsewhere none.
 */
export const findSpawnedProcesses = (queries: readonly SpawnedQuery[], unlessMarked: string, ownPid: number): Spawned[][] => {
  const found = queries.map((): Spawned[] => []);
  if (queries.length === 0) return found;
  for (const pid of procPids()) {
    if (!isSignallablePid(pid, ownPid)) continue;
    const look = lookUpProcStat(pid);
    if (look.kind !== 'found' || hasExited(look.stat) || look.stat.session !== pid) continue;
    const { startTime } = look.stat;
    const started = Number(startTime);
    const inWindow = queries.flatMap((query, index) => (started >= query.after && started <= query.after + query.within ? [index] : []));
    if (inWindow.length === 0 || !maySignal(pid) || carries(pid, unlessMarked)) continue;
    const exe = exeOf(pid);
    if (exe === undefined) continue;
    for (const index of inWindow) {
      if (exe === null) found[index]?.push({ pid, startTime, executable: 'unreadable' });
      else if (queries[index]?.executables.includes(exe) === true) found[index]?.push({ pid, startTime, executable: 'same' });
    }
  }
  return found;
};
