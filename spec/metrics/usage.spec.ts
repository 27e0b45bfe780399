import { describe, expect, it } from 'vitest';
import type { DaemonState } from '../../lib/daemon/state.js';
import { readUsage } from '../../lib/metrics/usage.js';
import { noCgroups, type Cgroups } from '../../lib/process/cgroups.js';

// A pid no process has (above Linux's pid_max): /proc tells nothing of it.
const NO_PID = 4_194_305;
const running = (pid: number, cgroup?: string): DaemonState => ({ status: 'running', pid, attempt: 1, restarts: 0, ...(cgroup === undefined ? {} : { cgroup }) });

describe("readUsage(states, cgroups?): what each daemon's live process has cost", () => {
  it("the service's whole tree where its state has a cgroup: the cgroup's CPU, and its memory where the memory controller tells it", () => {
    const cgroups: Cgroups = {
      ...noCgroups,
      usage: (dir) => (dir === '/cg/web' ? { cpuUsec: 41_200_000, memoryBytes: 3 * 2 ** 20 } : dir === '/cg/api' ? { cpuUsec: 2_500_000, memoryBytes: undefined } : undefined),
    };
    const usage = readUsage(new Map([['web', running(NO_PID, '/cg/web')], ['api', running(process.pid, '/cg/api')], ['gone', running(NO_PID, '/cg/gone')]]), cgroups);
    expect(usage.get('web')).toEqual({ cpuSeconds: 41.2, cpuScope: 'cgroup', memoryBytes: 3 * 2 ** 20, memoryScope: 'cgroup' });
    // Without memory.current, the leader's resident memory, and it says so.
    expect(usage.get('api')).toMatchObject({ cpuSeconds: 2.5, cpuScope: 'cgroup', memoryScope: 'leader' });
    expect(usage.get('api')?.memoryBytes).toBeGreaterThan(1024 * 1024);
    // A cgroup that cannot be read, and a leader /proc does not have: nothing to tell.
    expect(usage.has('gone')).toBe(false);
  });

  it('the leader alone where the state has no cgroup, as before containment', () => {
    const usage = readUsage(new Map([['self', running(process.pid)], ['idle', { status: 'idle', attempt: 0, restarts: 0 }]]));
    expect(usage.get('self')).toMatchObject({ cpuScope: 'leader', memoryScope: 'leader' });
    expect(usage.get('self')?.cpuSeconds).toBeGreaterThan(0);
    expect(usage.has('idle')).toBe(false);
  });
});
