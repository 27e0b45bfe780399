/**
 * One process, told apart from any later process given the same pid: its
 * pid and its start time (Linux: /proc/<pid>/stat field 22, clock ticks
 * after boot), or null where the OS does not tell, and then the pid alone
 * identifies it. Everything rxdaemon signals, adopts, polls or names as a
 * lock's owner is one of these.
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string | null;
}
