import { readdirSync } from 'node:fs';
import { hasExited, lookUpProcStat } from './proc-stat.js';
import type { ProcessIdentity } from './identity.js';

/**
 * SIGKILLs what is left of a process group after its leader exited, and
 * says whether anything was signalled. While any member remains, the
 * kernel keeps the group's id (the leader's pid) allocated, so no new
 * process can be given that pid and `kill(-pid)` can only reach the
 * leftovers. Once the group is empty the pid may be reused, so when a
 * process other than the leader itself (dying, or its unreaped zombie: the
 * same start time) now holds the pid, the group is left alone: it is not
 * ours any more. ESRCH, the common case, means nothing was left.
 */
export const endGroup = (leader: ProcessIdentity): boolean => {
  const look = lookUpProcStat(leader.pid);
  // Unseen (a hidepid /proc) is not known to be free: leave it.
  if (look.kind === 'hidden') return false;
  // A child of ours was reaped before its exit was seen, so whoever holds its pid now is someone else.
  if (look.kind === 'found' && (leader.startTime === null || look.stat.startTime !== leader.startTime)) return false;
  try {
    process.kill(-leader.pid, 'SIGKILL');
    return true;
  } catch {
    // ESRCH: the group is empty. EPERM: its members are not ours to end.
    return false;
  }
};

/**
 * Whether any live process is left in a group that {@link endGroup}
 * signalled: a SIGKILL takes effect only when its target next runs, so the
 * group is gone a moment later, not at once. Zombies do not count: they
 * hold nothing, and orphans nobody reaps (a PID 1 that does not reap, a
 * supervisor that is PID 1) stay zombies for good. Read from /proc, so
 * only done when a group was signalled, which is rare.
 */
export const groupRemains = (pgid: number): boolean => {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return false;
  }
  return entries.some((entry) => {
    const look = /^\d+$/.test(entry) ? lookUpProcStat(Number(entry)) : undefined;
    return look?.kind === 'found' && look.stat.pgrp === pgid && !hasExited(look.stat);
  });
};
