import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import type { DaemonState } from '../../lib/daemon/state.js';
import { StatusBoard } from '../../lib/manager/status-board.js';
import { readUsage } from '../../lib/metrics/usage.js';
import { systemCgroups } from '../../lib/process/cgroup/system-cgroups.js';
import { readCgroupUsage } from '../../lib/process/cgroup/usage.js';
import { readProcUsage } from '../../lib/process/proc-usage.js';
import { cgroupScopePerTest, noCgroups } from '../helpers/cgroup.js';
import { is, nextEvent, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

// Accounting of a contained daemon, on the real kernel: the CPU of a grandchild that left the daemon's
// session (setsid) is the service's, in readUsage (the metrics) and in the status board (`rxdaemon status`).

const cgroup = cgroupScopePerTest();
const sandbox = sandboxPerTest();

// The leader only waits (sleep); its setsid grandchild burns a core until the scope's cgroup is killed after the test.
const BURNER = { command: '/bin/sh', args: ['-c', "setsid /bin/sh -c 'while :; do :; done' & exec sleep 60"] };

const cpuMsOf = (dir: string): number => (readCgroupUsage(dir)?.cpuUsec ?? 0) / 1000;

describe.skipIf(noCgroups !== undefined)(`a daemon given a cgroup${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  it("counts a setsid grandchild's CPU, which the leader's own /proc ticks do not hold", async () => {
    const web = cgroup().service('web');
    const daemon = new Daemon(BURNER, { cgroup: web });
    const events$ = sandbox().track(daemon);
    const board = new StatusBoard();
    events$.subscribe((event) => {
      board.see({ id: 'web', ...event });
    });
    daemon.start();
    const { pid, at, cgroup: joined } = await nextEvent(events$, is('started'));
    expect(joined).toBe(web);
    await waitFor(() => `the grandchild to burn 1.2 s of CPU (${cpuMsOf(web)} ms so far)`, () => cpuMsOf(web) >= 1_200, 20_000);
    expect(systemCgroups.holds(web, pid)).toBe(true);
    const state: DaemonState = daemon.state;
    expect(state).toMatchObject({ pid, cgroup: web });

    const usage = readUsage(new Map([['web', state]])).get('web');
    // memory.current only where the memory controller is enabled for the cgroup (here, a hybrid layout, it is not).
    const memoryScope = existsSync(join(web, 'memory.current')) ? 'cgroup' : 'leader';
    expect(usage).toMatchObject({ cpuScope: 'cgroup', memoryScope });
    expect(usage?.cpuSeconds).toBeGreaterThanOrEqual(1.2);
    // What status and the metrics showed before: the leader's own ticks (10 ms each), next to nothing.
    const leaderMs = (readProcUsage(pid)?.cpuTicks ?? Infinity) * 10;
    expect(leaderMs).toBeLessThan(((usage?.cpuSeconds ?? 0) * 1000) / 10);

    // The board measures from the run's start; a busy loop keeps most of a core, however shared the machine.
    const [report] = board.report(['web'], Date.now());
    expect(report).toMatchObject({ pid, cpuScope: 'cgroup', memoryScope });
    expect(report?.cpuPercent).toBeGreaterThan(30);
    expect(Date.now() - at).toBeGreaterThan(1_000);
  });
});
