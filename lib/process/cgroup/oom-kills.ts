import { join } from 'node:path';
import { systemCgroupIo } from './cgroup-io.js';
import { flatKeyed } from './flat-keyed.js';

/**
 * How many processes of cgroup `dir` the kernel's OOM killer has ended
 * (`memory.events` `oom_kill`, its descendants' included); undefined where
 * the memory controller is not enabled for the cgroup. A count that rose
 * over a run says the run was ended by it (`exited.reason: 'oom'`).
 *
 * @example
 * readOomKills('/sys/fs/cgroup/rxd.service/rxd-a1b2c3/web'); // 0
 */
export const readOomKills = (dir: string): number | undefined => {
  const text = systemCgroupIo.readText(join(dir, 'memory.events'));
  return text === undefined ? undefined : (flatKeyed(text).get('oom_kill') ?? 0);
};
