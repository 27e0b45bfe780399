import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hierarchy, noCgroups, scopeCgroupPerTest } from '../helpers/cgroup.js';
import { cliRuns } from '../helpers/cli.js';
import { child, isAlive, waitFor } from '../helpers/real-processes.js';

// `rxdaemon manage` under containment on this machine: a limit whose
// controller is not delegated is a configuration error (exit 2 at start,
// naming the service and the controller) and a refused reload later (the
// running set kept), as an `after` that cannot be met is.

const trackScope = scopeCgroupPerTest();
const { sandbox, start } = cliRuns();

const memoryHere = hierarchy?.controllers.includes('memory') === true;

const configWith = (daemons: object): string => {
  const path = sandbox().path('daemons.json');
  writeFileSync(path, JSON.stringify({ daemons }));
  return path;
};

const data = (): string => {
  const dir = sandbox().path('data');
  mkdirSync(dir, { mode: 0o700, recursive: true });
  trackScope(dir);
  return dir;
};

describe.skipIf(noCgroups !== undefined || memoryHere)(
  `rxdaemon manage: a limit that cannot apply${noCgroups === undefined ? (memoryHere ? ' (skipped: the memory controller is delegated here)' : '') : ` (skipped: ${noCgroups})`}`,
  () => {
    it('at start: exit 2, naming the service and the controller, and nothing started', async () => {
      const run = start('manage', '--json', '--config', configWith({ web: child(), big: { ...child(), memoryMax: 268435456 } }), '--data-dir', data());
      expect(await run.exited).toBe(2);
      expect(run.stderr).toContain('`daemons.big.memoryMax`: memoryMax needs the memory controller');
      expect(run.events().filter((event) => event.type === 'started')).toEqual([]);
    });

    it('on reload: refused, and the running set kept', async () => {
      const path = configWith({ web: child() });
      const run = start('manage', '--json', '--config', path, '--data-dir', data());
      const web = await run.event('web started', (event) => event.type === 'started' && event.id === 'web');
      configWith({ web: child(), big: { ...child(), memoryMax: 268435456 } });
      run.process.kill('SIGHUP');
      await waitFor('the refused reload', () => run.stderr.includes('keeping the running set'));
      expect(run.stderr).toContain('`daemons.big.memoryMax`: memoryMax needs the memory controller');
      expect(web.type === 'started' && isAlive(web.pid)).toBe(true);
      expect(run.events().filter((event) => event.type === 'spawning' && event.id === 'big')).toEqual([]);
    });

    it('--containment process-group: every limit is refused, as no service is in a cgroup', async () => {
      const run = start('manage', '--json', '--containment', 'process-group', '--config', configWith({ busy: { ...child(), pidsMax: 64 } }), '--data-dir', data());
      expect(await run.exited).toBe(2);
      expect(run.stderr).toContain('`daemons.busy.pidsMax`: pidsMax needs the pids controller of a cgroup');
    });
  },
);
