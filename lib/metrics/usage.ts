import { hasProcess, type DaemonState } from '../daemon/state.js';
import type { Cgroups } from '../process/cgroups.js';
import { systemCgroups } from '../process/cgroup/system-cgroups.js';
import { readProcUsage } from '../process/proc-usage.js';
import type { CpuSample } from './cpu-meter.js';

/** Whose cost a figure is: the service's cgroup (its whole tree, exited members' CPU included), or its leader process alone. */
export type UsageScope = 'cgroup' | 'leader';

/** What a daemon's running process has cost, for {@link prometheusText}: its whole tree where it runs in a cgroup. */
export interface Usage {
  /** User and system CPU time, in seconds. */
  readonly cpuSeconds: number;
  /** Whose CPU: the cgroup's (`cpu.stat`) where it can be read, else the leader's (/proc); {@link readUsage} always says. */
  readonly cpuScope?: UsageScope;
  /** Memory in use, in bytes: the cgroup's `memory.current` where the memory controller is enabled, else the leader's resident memory; absent when neither can be read. */
  readonly memoryBytes?: number;
  /** Whose memory, when {@link memoryBytes} is there. */
  readonly memoryScope?: UsageScope;
}

/** One look at what a daemon's process has cost: the {@link Usage}, and what a `CpuMeter` needs of it. */
export interface UsageLook {
  readonly usage: Usage;
  /** What the CPU figure counts, as a meter's key: the cgroup (it outlives runs), or one run of the leader (pid and start, so a reused pid is another key). */
  readonly cpuKey: string;
  /** The leader's CPU on /proc's own clock, and its start; absent for a cgroup's counter, which its reader times. */
  readonly leader?: { readonly sample: CpuSample; readonly origin: CpuSample };
}

// /proc counts CPU time in USER_HZ ticks, which Linux fixes at 100 a second for user space whatever the kernel's own HZ.
const MS_PER_TICK = 10;

/** The meter's key of cgroup `dir`'s CPU counter. */
export const cgroupCpuKey = (dir: string): string => `cgroup:${dir}`;

/**
 * What daemon `state`'s process has cost so far: where the state has a
 * cgroup (`DaemonState.cgroup`) whose `cpu.stat` can be read, the CPU of
 * the service's whole tree, setsid and double-forked descendants and
 * exited members included, and its memory where `memory.current` is there
 * (the memory controller enabled), else the leader's resident memory;
 * without a cgroup, the leader's /proc alone. Undefined without a process,
 * or when neither can be read (gone since, another user's under `hidepid`).
 *
 * @example
 * lookAtUsage({ status: 'running', pid: 812, attempt: 1, restarts: 0, cgroup: '/sys/fs/cgroup/rxd-a1/web' }, systemCgroups)?.usage;
 * // { cpuSeconds: 41.2, cpuScope: 'cgroup', memoryBytes: 48955392, memoryScope: 'leader' }
 */
export const lookAtUsage = (state: DaemonState, cgroups: Cgroups): UsageLook | undefined => {
  if (!hasProcess(state)) return undefined;
  const tree = state.cgroup === undefined ? undefined : cgroups.usage(state.cgroup);
  // The leader's /proc is read only where the cgroup does not tell all.
  const leader = tree?.memoryBytes === undefined ? readProcUsage(state.pid) : undefined;
  const memory: Pick<Usage, 'memoryBytes' | 'memoryScope'> =
    tree?.memoryBytes !== undefined ? { memoryBytes: tree.memoryBytes, memoryScope: 'cgroup' } : leader === undefined ? {} : { memoryBytes: leader.rssBytes, memoryScope: 'leader' };
  if (tree !== undefined && state.cgroup !== undefined) return { usage: { cpuSeconds: tree.cpuUsec / 1e6, cpuScope: 'cgroup', ...memory }, cpuKey: cgroupCpuKey(state.cgroup) };
  if (leader === undefined) return undefined;
  return {
    usage: { cpuSeconds: (leader.cpuTicks * MS_PER_TICK) / 1000, cpuScope: 'leader', ...memory },
    cpuKey: `pid:${state.pid}@${leader.startTicks}`,
    leader: { sample: { cpuMs: leader.cpuTicks * MS_PER_TICK, atMs: leader.atTicks * MS_PER_TICK }, origin: { cpuMs: 0, atMs: leader.startTicks * MS_PER_TICK } },
  };
};

/**
 * What each daemon's live process has cost (the same source as the CPU and
 * memory of `rxdaemon status`; see {@link lookAtUsage}): the service's
 * whole tree where its state has a cgroup, else the leader's /proc; an
 * entry for each id whose state has a process that can still be read,
 * none for the others. `cgroups` is the driver's (`driver.cgroups`), the
 * OS's by default.
 *
 * @example
 * const states = new Map<string, DaemonState>([['web', { status: 'running', pid: 812, attempt: 1, restarts: 0 }]]);
 * const usage = readUsage(states); // Map { 'web' => { cpuSeconds: 1.27, cpuScope: 'leader', memoryBytes: 48955392, memoryScope: 'leader' } }
 */
export const readUsage = (states: ReadonlyMap<string, DaemonState>, cgroups: Cgroups = systemCgroups): Map<string, Usage> => {
  const usage = new Map<string, Usage>();
  for (const [id, state] of states) {
    const look = lookAtUsage(state, cgroups);
    if (look !== undefined) usage.set(id, look.usage);
  }
  return usage;
};
