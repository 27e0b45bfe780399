import { hasExited, lookUpProcStat } from './proc-stat.js';
import type { ProcessIdentity } from './identity.js';

/**
 * SIGKILLs what is left of a process group after its leader exited. While
 * any member remains, the kernel keeps the group's id (the leader's pid)
 * allocated, so no new process can be given that pid and `kill(-pid)` can
 * only reach the leftovers. Once the group is empty the pid may be reused,
 * so when any process but the leader's own unreaped zombie now holds the
 * pid, the group is left alone: it is not ours any more. ESRCH, the common
 * case, means nothing was left.
 */
export const endGroup = (leader: ProcessIdentity): void => {
  const look = lookUpProcStat(leader.pid);
  // Unseen (a hidepid /proc) is not known to be free: leave it.
  if (look.kind === 'hidden') return;
  if (look.kind === 'found' && !(hasExited(look.stat) && leader.startTime !== null && look.stat.startTime === leader.startTime)) return;
  try {
    process.kill(-leader.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is empty. EPERM: its members are not ours to end.
  }
};
