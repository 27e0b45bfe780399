import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCgroupUsage } from '../../lib/process/cgroup/usage.js';
import { noCgroups, scopeCgroupPerTest } from '../helpers/cgroup.js';
import { cliRuns, cliToEnd } from '../helpers/cli.js';
import { waitFor } from '../helpers/real-processes.js';

// `rxdaemon status` of a manager under containment, end to end: the CPU of a service's setsid grandchild,
// which its leader's /proc does not hold, is the service's, read from its cgroup.

const trackScope = scopeCgroupPerTest();
const { sandbox, start } = cliRuns();

// The leader only waits (sleep); its setsid grandchild burns a core until the scope's cgroup is killed after the test.
const BURNER = { command: '/bin/sh', args: ['-c', "setsid /bin/sh -c 'while :; do :; done' & exec sleep 60"] };

describe.skipIf(noCgroups !== undefined)(`rxdaemon status under containment${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  it("shows the CPU of the service's whole tree, a setsid grandchild's included, and says whose it is", async () => {
    const dataDir = sandbox().path('data');
    mkdirSync(dataDir, { mode: 0o700 });
    trackScope(dataDir);
    const config = sandbox().path('daemons.json');
    writeFileSync(config, JSON.stringify({ daemons: { burn: BURNER } }));
    const run = start('manage', '--json', '--config', config, '--data-dir', dataDir);
    const started = await run.event('burn started', (event) => event.type === 'started' && event.id === 'burn');
    const cgroup = started.type === 'started' ? started.cgroup : undefined;
    expect(cgroup).toMatch(/\/rxd-[^/]+\/burn$/);
    const cpuMs = (): number => (readCgroupUsage(cgroup ?? '')?.cpuUsec ?? 0) / 1000;
    await waitFor(() => `the grandchild to burn 1.2 s of CPU (${cpuMs()} ms so far)`, () => cpuMs() >= 1_200, 20_000);

    const { stdout } = await cliToEnd(['status', '--json', '--data-dir', dataDir], sandbox().dir);
    const burn = stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { id: string; pid: number; cpuPercent: number | null; cpuScope: string | null; memoryScope: string | null })
      .find(({ id }) => id === 'burn');
    // The leader sleeps: its own figure would be 0.0. A busy loop keeps most of a core, however shared the machine.
    expect(burn).toMatchObject({ pid: started.type === 'started' ? started.pid : -1, cpuScope: 'cgroup', memoryScope: existsSync(join(cgroup ?? '', 'memory.current')) ? 'cgroup' : 'leader' });
    expect(burn?.cpuPercent).toBeGreaterThan(30);
  });
});
