import { join } from 'node:path';
import { readKernelText } from './kernel-text.js';
import { procPids } from './proc-stat.js';

/**
 * A limit of the OS that bounds how many more processes a supervisor can
 * have: what it is, its value, how much of it is in use, and how to raise
 * it, in words.
 */
export interface Headroom {
  /** How many more processes can be started: at least 0. */
  readonly more: number;
  /** `RLIMIT_NPROC`, `kernel.pid_max`, `kernel.threads-max` or `cgroup pids.max`. */
  readonly limit: string;
  readonly value: number;
  readonly inUse: number;
  /** How to raise it, with a value that would leave room. */
  readonly raise: string;
}

/** Where {@link processHeadroom} reads: a spec points them at fixture dirs. */
export interface LimitSources {
  /** procfs: `/proc`. */
  readonly proc: string;
  /** The cgroup mount: `/sys/fs/cgroup`. */
  readonly cgroup: string;
}

const SYSTEM: LimitSources = { proc: '/proc', cgroup: '/sys/fs/cgroup' };

// Kept free for what the supervisor itself and a check's commands start.
const RESERVE = 32;

// Capabilities that exempt a fork from RLIMIT_NPROC (kernel/fork.c: CAP_SYS_RESOURCE, CAP_SYS_ADMIN).
const EXEMPTING_CAPS = (1n << 24n) | (1n << 21n);

/** A count in a file of /proc or /sys ("4194304\n"); undefined when absent or not a count ("max"). */
const readCount = (path: string): number | undefined => {
  const text = readKernelText(path)?.trim();
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
};

/** A soft limit of /proc/self/limits ("Max processes  4096  4096  processes"); undefined when unlimited or unknown. */
export const softLimit = (limits: string, name: string): number | undefined => {
  const line = limits.split('\n').find((candidate) => candidate.startsWith(name));
  const soft = line?.slice(name.length).trim().split(/\s+/)[0];
  const value = Number(soft);
  return soft === undefined || soft === 'unlimited' || !Number.isSafeInteger(value) ? undefined : value;
};

/** The real uid a /proc/<pid>/status gives (its `Uid:` line's first field); undefined without one. */
const realUidOf = (status: string): number | undefined => {
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
  return uid === undefined ? undefined : Number(uid);
};

/**
 * Whether RLIMIT_NPROC stops the forks of a process, from its
 * /proc/<pid>/status and uid_map (undefined: a kernel without user
 * namespaces). The kernel lets past it root of the initial user namespace
 * (as real uid), and a process with CAP_SYS_RESOURCE or CAP_SYS_ADMIN there;
 * in a namespace of its own (a container's), root and its capabilities are
 * bound like anyone.
 */
export const nprocBinds = (status: string, uidMap: string | undefined): boolean => {
  if (uidMap !== undefined && uidMap.trim().split(/\s+/).join(' ') !== '0 0 4294967295') return true;
  const realUid = realUidOf(status);
  const effective = /^CapEff:\s+([0-9a-f]+)/m.exec(status)?.[1];
  return realUid !== 0 && (effective === undefined || (BigInt(`0x${effective}`) & EXEMPTING_CAPS) === 0n);
};

/**
 * The cgroup whose `pids.max` binds a process, from its /proc/<pid>/cgroup:
 * its path in the cgroup v1 `pids` hierarchy (mounted at `pids/`), else in
 * the v2 one (mounted at the root); undefined when it has neither.
 */
export const pidsCgroup = (cgroups: string): { readonly hierarchy: string; readonly path: string } | undefined => {
  const v1 = /^\d+:(?:[^:\n]*,)?pids(?:,[^:\n]*)?:(\/.*)$/m.exec(cgroups)?.[1];
  if (v1 !== undefined) return { hierarchy: 'pids', path: v1 };
  const v2 = /^0::(\/.*)$/m.exec(cgroups)?.[1];
  return v2 === undefined ? undefined : { hierarchy: '', path: v2 };
};

/** Every task (thread) on the system, from /proc/loadavg's "running/total" field. */
const tasksInUse = (proc: string): number | undefined => {
  const total = Number(readKernelText(join(proc, 'loadavg'))?.split(' ')[3]?.split('/')[1]);
  return Number.isSafeInteger(total) ? total : undefined;
};

/** The tasks (threads) of one real uid, as /proc shows them: what RLIMIT_NPROC counts. */
export const tasksOf = (uid: number, proc = SYSTEM.proc): number => {
  let count = 0;
  for (const pid of procPids(proc)) {
    const status = readKernelText(join(proc, String(pid), 'status'));
    if (status === undefined || realUidOf(status) !== uid) continue;
    count += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
  }
  return count;
};

/** How to raise RLIMIT_NPROC to `needed`, from a shell or in a systemd unit. */
export const nprocAdvice = (needed: number): string => `ulimit -u ${needed}, or systemd's LimitNPROC=${needed}`;

/** A limit and the room it leaves for `wanted` more; `raise` is told what value would do. */
const headroom = (wanted: number, { limit, value, inUse }: Pick<Headroom, 'limit' | 'value' | 'inUse'>, raise: (needed: number) => string): Headroom => ({
  more: Math.max(0, value - inUse - RESERVE),
  limit,
  value,
  inUse,
  raise: raise(inUse + RESERVE + wanted),
});

/**
 * The `pids.max` of a cgroup and of each of its ancestors up to the
 * hierarchy's root ("max": none), each against its `pids.current`: what
 * systemd's TasksMax= and a Kubernetes pod's pid limit set.
 */
const cgroupLimits = (wanted: number, { proc, cgroup }: LimitSources): Headroom[] => {
  const found = pidsCgroup(readKernelText(join(proc, 'self/cgroup')) ?? '');
  if (found === undefined) return [];
  const parts = found.path.split('/').filter((part) => part !== '');
  return parts
    .map((_, index) => `/${parts.slice(0, parts.length - index).join('/')}`)
    .concat('/')
    .flatMap((path) => {
      const dir = join(cgroup, found.hierarchy, path);
      const max = readCount(join(dir, 'pids.max'));
      const current = readCount(join(dir, 'pids.current'));
      if (max === undefined || current === undefined) return [];
      return [headroom(wanted, { limit: 'cgroup pids.max', value: max, inUse: current }, (needed) => `TasksMax=${needed} in the unit, or the pod's pid limit to ${needed}; pids.max of ${dir}`)];
    });
};

/**
 * The tightest limit on starting `wanted` more processes, when one would
 * stop them: undefined when every limit leaves room. Linux only (other
 * systems: undefined). Read: the cgroup's `pids.max` and its ancestors'
 * (each against its `pids.current`); RLIMIT_NPROC, against this user's
 * tasks, unless this process is exempt from it (see {@link nprocBinds}:
 * root is); `kernel.pid_max` and `kernel.threads-max`, against every task
 * of the system.
 */
export const processHeadroom = (wanted: number, sources: LimitSources = SYSTEM): Headroom | undefined => {
  const { proc } = sources;
  const tasks = tasksInUse(proc);
  if (tasks === undefined) return undefined;
  const candidates: Headroom[] = cgroupLimits(wanted, sources);
  const pidMax = readCount(join(proc, 'sys/kernel/pid_max'));
  // 4194304 is the most pid_max can be (on 64-bit systems).
  if (pidMax !== undefined) candidates.push(headroom(wanted, { limit: 'kernel.pid_max', value: pidMax, inUse: tasks }, () => 'sysctl -w kernel.pid_max=4194304'));
  const threadsMax = readCount(join(proc, 'sys/kernel/threads-max'));
  if (threadsMax !== undefined) candidates.push(headroom(wanted, { limit: 'kernel.threads-max', value: threadsMax, inUse: tasks }, (needed) => `sysctl -w kernel.threads-max=${needed}`));
  const status = readKernelText(join(proc, 'self/status')) ?? '';
  const binds = nprocBinds(status, readKernelText(join(proc, 'self/uid_map')));
  const nproc = binds ? softLimit(readKernelText(join(proc, 'self/limits')) ?? '', 'Max processes') : undefined;
  // The system's tasks bound this user's: counted exactly (a walk of /proc) only when that bound leaves too little room.
  if (nproc !== undefined && nproc - tasks - RESERVE < wanted) {
    candidates.push(headroom(wanted, { limit: 'RLIMIT_NPROC', value: nproc, inUse: tasksOf(realUidOf(status) ?? NaN, proc) }, nprocAdvice));
  }
  const tightest = candidates.reduce<Headroom | undefined>((least, candidate) => (least === undefined || candidate.more < least.more ? candidate : least), undefined);
  return tightest !== undefined && tightest.more < wanted ? tightest : undefined;
};
