import { readdirSync, readFileSync } from 'node:fs';

/**
 * A limit of the OS that bounds how many more processes a supervisor can
 * have: what it is, its value, how much of it is in use, and how to raise
 * it, in words.
 */
export interface Headroom {
  /** How many more processes can be started: at least 0. */
  readonly more: number;
  /** `RLIMIT_NPROC`, `kernel.pid_max` or `kernel.threads-max`. */
  readonly limit: string;
  readonly value: number;
  readonly inUse: number;
  /** How to raise it. */
  readonly raise: string;
}

// Kept free for what the supervisor itself and a check's commands start.
const RESERVE = 32;

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
};

const readNumber = (path: string): number | undefined => {
  const value = Number(readText(path)?.trim());
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
};

/** A soft limit of /proc/self/limits ("Max processes  4096  4096  processes"); undefined when unlimited or unknown. */
export const softLimit = (limits: string, name: string): number | undefined => {
  const line = limits.split('\n').find((candidate) => candidate.startsWith(name));
  const soft = line?.slice(name.length).trim().split(/\s+/)[0];
  const value = Number(soft);
  return soft === undefined || soft === 'unlimited' || !Number.isSafeInteger(value) ? undefined : value;
};

/** Every task (thread) on the system, from /proc/loadavg's "running/total" field. */
const tasksInUse = (): number | undefined => {
  const total = Number(readText('/proc/loadavg')?.split(' ')[3]?.split('/')[1]);
  return Number.isSafeInteger(total) ? total : undefined;
};

/** The tasks of one real uid: what RLIMIT_NPROC counts. A walk of /proc, made only when the system-wide count is too close to call. */
const tasksOf = (uid: number): number => {
  let count = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const status = readText(`/proc/${name}/status`);
    if (status === undefined || Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== uid) continue;
    count += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
  }
  return count;
};

const headroom = (limit: string, value: number, inUse: number, raise: string): Headroom => ({
  more: Math.max(0, value - inUse - RESERVE),
  limit,
  value,
  inUse,
  raise,
});

/**
 * The tightest limit on starting `wanted` more processes, when one would
 * stop them: undefined when every limit leaves room. Linux only (other
 * systems: undefined). RLIMIT_NPROC counts the tasks of this user, and
 * binds root only without CAP_SYS_RESOURCE, so it is not checked for root;
 * pid_max and threads-max count every task of the system.
 */
export const processHeadroom = (wanted: number, uid: number | undefined = process.getuid?.()): Headroom | undefined => {
  const tasks = tasksInUse();
  if (tasks === undefined) return undefined;
  const candidates: Headroom[] = [];
  const pidMax = readNumber('/proc/sys/kernel/pid_max');
  if (pidMax !== undefined) candidates.push(headroom('kernel.pid_max', pidMax, tasks, 'sysctl -w kernel.pid_max=4194304'));
  const threadsMax = readNumber('/proc/sys/kernel/threads-max');
  if (threadsMax !== undefined) candidates.push(headroom('kernel.threads-max', threadsMax, tasks, 'sysctl -w kernel.threads-max=…'));
  const nproc = uid === 0 || uid === undefined ? undefined : softLimit(readText('/proc/self/limits') ?? '', 'Max processes');
  // The system's tasks bound this user's: counted exactly only when that bound leaves too little room.
  if (nproc !== undefined && nproc - tasks - RESERVE < wanted) {
    candidates.push(headroom('RLIMIT_NPROC', nproc, tasksOf(uid ?? 0), "ulimit -u, or systemd's LimitNPROC="));
  }
  const tightest = candidates.reduce<Headroom | undefined>((least, candidate) => (least === undefined || candidate.more < least.more ? candidate : least), undefined);
  return tightest !== undefined && tightest.more < wanted ? tightest : undefined;
};
