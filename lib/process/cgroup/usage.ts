import { join } from 'node:path';
import { systemCgroupIo } from './cgroup-io.js';
import { flatKeyed } from './flat-keyed.js';

/** What a cgroup's processes have cost, the whole tree of each service counted, exited members included. */
export interface CgroupUsage {
  /** CPU time, user and system, in µs (`cpu.stat` `usage_usec`: kept by every cgroup v2, with or without the cpu controller). */
  readonly cpuUsec: number;
  /** Memory in use now, in bytes (`memory.current`); undefined where the memory controller is not enabled for the cgroup. */
  readonly memoryBytes: number | undefined;
}

/**
 * What the processes of cgroup `dir` have cost so far, from its `cpu.stat`
 * and `memory.current`; undefined when the cgroup is gone or unreadable.
 * `cpu.stat` keeps counting the members that exited, so a service's CPU
 * is that of every process it ever ran in its cgroup.
 *
 * @example
 * readCgroupUsage('/sys/fs/cgroup/rxd.service/rxd-a1b2c3/web'); // { cpuUsec: 1843021, memoryBytes: 23068672 }
 */
export const readCgroupUsage = (dir: string): CgroupUsage | undefined => {
  const cpuUsec = flatKeyed(systemCgroupIo.readText(join(dir, 'cpu.stat')) ?? '').get('usage_usec');
  if (cpuUsec === undefined) return undefined;
  const memory = systemCgroupIo.readText(join(dir, 'memory.current'))?.trim();
  return { cpuUsec, memoryBytes: memory !== undefined && /^\d+$/.test(memory) ? Number(memory) : undefined };
};
