/**
 * Whether a pid names one process other than the supervisor itself: not 0
 * ("my group"), not 1 (init), not negative (a group), not -1 ("everyone"),
 * and a safe integer. Nothing that fails this is ever signalled or watched.
 */
export const isSignallablePid = (pid: number, ownPid: number): boolean => Number.isSafeInteger(pid) && pid > 1 && pid !== ownPid;
