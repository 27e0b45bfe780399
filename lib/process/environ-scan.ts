import { readFileSync } from 'node:fs';
import type { Marked } from './system-scans.js';
import { isSignallablePid } from './pid.js';
import { hasExited, lookUpProcStat, procPids } from './proc-stat.js';

const NUL = Buffer.from([0]);

// Entries are NUL-terminated `NAME=value` strings: a key is at the start or right after a NUL.
const entryAt = (environ: Buffer, key: Buffer): number => {
  if (environ.subarray(0, key.length).equals(key)) return 0;
  const at = environ.indexOf(Buffer.concat([NUL, key]));
  return at === -1 ? -1 : at + 1;
};

/** The value of `name` in an environ's text (`NAME=value` entries, each NUL-terminated), or undefined when it has none. */
export const environValue = (environ: Buffer, name: string): string | undefined => {
  const key = Buffer.from(`${name}=`);
  const at = entryAt(environ, key);
  if (at === -1) return undefined;
  const end = environ.indexOf(0, at + key.length);
  return environ.toString('utf8', at + key.length, end === -1 ? environ.length : end);
};

/**
 * Every live process (zombies excluded) whose environment, as it was at
 * exec (/proc/<pid>/environ), holds `name=value`, with its parent, session
 * and start time. Only processes whose environ this user may read are seen:
 * as root, all of them; otherwise one's own. Processes that vanish while
 * the scan runs are skipped. Linux only: elsewhere it finds nothing.
 */
export const findByEnvironment = (name: string, value: string, alsoRead: string, ownPid: number): Marked[] => {
  const found: Marked[] = [];
  for (const pid of procPids()) {
    if (!isSignallablePid(pid, ownPid)) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    if (environValue(environ, name) !== value) continue;
    const look = lookUpProcStat(pid);
    if (look.kind !== 'found' || hasExited(look.stat)) continue;
    const { ppid, session, startTime } = look.stat;
    found.push({ pid, startTime, ppid, session, also: environValue(environ, alsoRead) });
  }
  return found;
};
