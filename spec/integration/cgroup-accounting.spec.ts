import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyLimits, limitControllers, limitWrites, type CgroupLimits } from '../../lib/process/cgroup/limits.js';
import { readOomKills } from '../../lib/process/cgroup/oom-kills.js';
import { readCgroupUsage } from '../../lib/process/cgroup/usage.js';
import { readProcUsage } from '../../lib/process/proc-usage.js';
import { cgroupScopePerTest, emptied, hierarchy, must, noCgroups, spawnJoined } from '../helpers/cgroup.js';
import { sandboxPerTest, waitFor } from '../helpers/real-processes.js';

// What a service's cgroup counts and limits, on the real kernel. Here (a hybrid layout) cgroup v2 has no
// memory, cpu or pids controller: the enforced limits skip, each saying why.

const cgroup = cgroupScopePerTest();
const sandbox = sandboxPerTest();

/** Why a spec of `limits` cannot run here, or undefined when it can. */
const cannotLimit = (limits: CgroupLimits): string | undefined => {
  if (hierarchy === undefined) return noCgroups;
  const controllers = limitControllers(limitWrites(limits), hierarchy);
  return controllers._tag === 'Left' ? controllers.left.message : undefined;
};
const skipped = (reason: string | undefined): string => (reason === undefined ? '' : ` (skipped: ${reason})`);

/** Makes cgroup `id` of the test's scope with `limits` applied: the controllers enabled from the root down. */
const limited = (id: string, limits: CgroupLimits): string => {
  if (hierarchy === undefined) throw new Error('skipped where there are no cgroups');
  const writes = limitWrites(limits);
  const controllers = must(limitControllers(writes, hierarchy));
  const { root, dir } = cgroup();
  const service = cgroup().service(id);
  must(applyLimits([root, dir], controllers, service, writes));
  return service;
};

describe.skipIf(noCgroups !== undefined)(`accounting${skipped(noCgroups)}`, () => {
  it("counts the CPU of the service's whole tree, members that exited included, where the leader's own counts next to nothing", async () => {
    const web = cgroup().service('web');
    const done = sandbox().path('done');
    // The work is done by a subshell (a child of the leader) that exits; the leader only waits, then stays.
    const child = spawnJoined(web, '/bin/sh', ['-c', `(i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done); touch ${done}; exec sleep 30`]);
    const pid = sandbox().own(child.pid ?? -1);
    await waitFor('the work to end', () => existsSync(done), 20_000);
    const usage = readCgroupUsage(web);
    expect(usage?.cpuUsec).toBeGreaterThan(100_000);
    // The leader's own utime + stime (what status showed before cgroups): its waited-for child's are not in them.
    expect((readProcUsage(pid)?.cpuTicks ?? Infinity) * 10_000).toBeLessThan((usage?.cpuUsec ?? 0) / 2);
    // memory.current only where the memory controller is enabled for the cgroup.
    expect(usage?.memoryBytes).toBe(existsSync(join(web, 'memory.current')) ? Number(readFileSync(join(web, 'memory.current'), 'latin1')) : undefined);
    child.kill('SIGKILL');
    await emptied(web);
    expect(readCgroupUsage(web)?.cpuUsec).toBeGreaterThanOrEqual(usage?.cpuUsec ?? Infinity);
  });

  it('a cgroup that is gone has no usage', () => {
    expect(readCgroupUsage(join(cgroup().dir, 'none'))).toBeUndefined();
    expect(readOomKills(join(cgroup().dir, 'none'))).toBeUndefined();
  });

  it.skipIf(cannotLimit({ pidsMax: 1 }) !== undefined)(`pidsMax is enforced: a fork past it fails${skipped(cannotLimit({ pidsMax: 1 }))}`, async () => {
    const web = limited('web', { pidsMax: 2 });
    const out = sandbox().path('out');
    // The shell asks for four processes (itself and three sleeps); without the limit, all four would run.
    const child = spawnJoined(web, '/bin/sh', ['-c', `sleep 30 & sleep 30 & sleep 30 & touch ${out}; wait`]);
    let ended = false;
    child.once('exit', () => (ended = true));
    await waitFor('the shell to have forked, or to have given up', () => existsSync(out) || ended);
    expect(Number(readFileSync(join(web, 'pids.current'), 'latin1'))).toBeLessThanOrEqual(2);
  });

  it.skipIf(cannotLimit({ memoryMax: 1 }) !== undefined)(`memoryMax is enforced: the OOM killer ends what passes it, and memory.events counts it${skipped(cannotLimit({ memoryMax: 1 }))}`, async () => {
    const web = limited('web', { memoryMax: 32 * 2 ** 20 });
    expect(readOomKills(web)).toBe(0);
    const child = spawnJoined(web, process.execPath, ['-e', 'const kept = []; for (;;) kept.push(Buffer.alloc(2 ** 20, 1));']);
    const exit = await new Promise<NodeJS.Signals | null>((resolve) => {
      child.once('exit', (_, signal) => {
        resolve(signal);
      });
    });
    expect(exit).toBe('SIGKILL');
    expect(readOomKills(web)).toBeGreaterThanOrEqual(1);
  });

  it.skipIf(hierarchy?.controllers.includes('memory') !== false)('without the memory controller there is no OOM count: undefined, not 0', () => {
    expect(readOomKills(cgroup().service('web'))).toBeUndefined();
  });
});
