import { errnoOf } from '../errno.js';
import { hasExited, lookUpProcStat, procPids } from './proc-stat.js';
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
  // The common case, an empty group, is told by one system call, without reading /proc (10,000 daemons stopping
  // together each ask).
  if (!groupExists(leader.pid)) return false;
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
 * supervisor that is PID 1) stay zombies for good. `kill(-pgid, 0)` answers
 * the common case (no member at all, not even a zombie) without reading
 * /proc; otherwise the answer comes from a scan of /proc shared by every
 * group it saw that is asked about within {@link SCAN_REUSE_MS}: a thousand
 * adopted leaders ending together, each a zombie for a moment, cost one scan
 * per tick rather than a thousand (a scan per group made stopping 2,000
 * adopted daemons take over two minutes).
 */
export const groupRemains = (pgid: number): boolean => {
  if (!groupExists(pgid)) return false;
  const recent = lastScan !== undefined && performance.now() - lastScan.at < lastScan.reuseMs ? lastScan.groups.get(pgid) : undefined;
  return recent ?? scanGroups().get(pgid) ?? false;
};

/** Whether any process, a zombie included, is in the group: ESRCH says none; EPERM, someone not ours to signal. */
const groupExists = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) !== 'ESRCH';
  }
};

// How long one scan of /proc answers for, and only about the groups it saw
// (a member, live or exited, was there). A stale "no live member" of such a
// group is still right: a group that had none has none (only a live member
// could add one). A group it did not see may have been made since, so the
// scan knows nothing of it: /proc is read again. A stale "some remain" only
// means looking again a little later. A scan answers for longer the longer
// it took, so that scanning takes at most a fifth of the time: with 10,000
// processes a scan takes a few hundred ms, and the groups of adopted leaders
// ending together (zombies until init reaps them) kept one running back to
// back. A wait for leftovers is bounded anyway (LEFTOVERS_WAIT_MS).
const SCAN_REUSE_MS = 100;
const SCAN_SHARE = 5;
let lastScan: { readonly at: number; readonly reuseMs: number; readonly groups: ReadonlyMap<number, boolean> } | undefined;

/** Scans /proc now: every process group seen, and whether it has a live (not exited) member. */
const scanGroups = (): ReadonlyMap<number, boolean> => {
  const at = performance.now();
  const groups = new Map<number, boolean>();
  // No /proc (no pids): no group is known to remain.
  for (const pid of procPids()) {
    const look = lookUpProcStat(pid);
    if (look.kind === 'found') groups.set(look.stat.pgrp, groups.get(look.stat.pgrp) === true || !hasExited(look.stat));
  }
  lastScan = { at, reuseMs: Math.max(SCAN_REUSE_MS, SCAN_SHARE * (performance.now() - at)), groups };
  return groups;
};
