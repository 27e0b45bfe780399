import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cgroupScopePerTest, hierarchy, noCgroups, scopeCgroupPerTest } from '../helpers/cgroup.js';
import { scopeOf } from '../../lib/manager/open-data-dir.js';
import { cliRuns, type Cli } from '../helpers/cli.js';
import { child, isAlive, readIfThere, waitFor } from '../helpers/real-processes.js';

// `rxdaemon manage` under containment on this machine: a limit whose
// controller is not delegated is a configuration error (exit 2 at start,
// naming the service and the controller) and a refused reload later (the
// running set kept), as an `after` that cannot be met is. `rxdaemon
// shutdown` with no manager ends a service's escapee through its cgroup.

const ESCAPEE = fileURLToPath(new URL('../fixtures/escapee.mjs', import.meta.url));

const trackScope = scopeCgroupPerTest();
// Another cgroup than the test's own, where a manager's services live (as a systemd unit's are not a login shell's): cleaned after each test.
const elsewhere = cgroupScopePerTest();
const { sandbox, start } = cliRuns();

const memoryHere = hierarchy?.controllers.includes('memory') === true;

const configWith = (daemons: object): string => {
  const path = sandbox().path('daemons.json');
  writeFileSync(path, JSON.stringify({ daemons }));
  return path;
};

/** The sandbox's data dir, made; its scope's cgroup is cleaned after the test. */
const data = (): string => dataAndScope().dir;

/** The sandbox's data dir, made, and its scope's cgroup, cleaned after the test. */
const dataAndScope = (): { dir: string; scope: string } => {
  const dir = sandbox().path('data');
  mkdirSync(dir, { mode: 0o700, recursive: true });
  return { dir, scope: trackScope(dir) };
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

/**
 * A manager of data dir `dir` (its services under `cgroupRoot` when given) runs web, whose setsid escapee ignores
 * SIGINT and SIGTERM (and drops its RXDAEMON_* variables when `dropEnv`), and is SIGKILLed: both are left running.
 */
const escapeeLeftBehind = async (dir: string, { cgroupRoot, dropEnv = false }: { cgroupRoot?: string; dropEnv?: boolean } = {}): Promise<{ leader: number; escapee: number }> => {
  const pids = sandbox().path('pids.json');
  // A grace far past the test's deadline: the escapee must be ended once the leader has exited, not when the grace ends.
  const web = { command: process.execPath, args: [ESCAPEE, '--pids', pids, ...(dropEnv ? ['--drop-env', 'yes'] : [])], stopSignal: 'SIGUSR2', gracefulStopMs: 600_000 };
  const manager = start('manage', '--json', '--config', configWith({ web }), '--data-dir', dir, ...(cgroupRoot === undefined ? [] : ['--cgroup-root', cgroupRoot]));
  await manager.event('web started', (event) => event.type === 'started' && event.id === 'web');
  await waitFor('the escapee', () => readIfThere(pids) !== undefined, 10_000);
  const { daemon: leader, escapee } = JSON.parse(readFileSync(pids, 'utf8')) as { daemon: number; escapee: number };
  sandbox().own(leader);
  sandbox().own(escapee);
  manager.process.kill('SIGKILL');
  await manager.exited;
  return { leader, escapee };
};

/** `rxdaemon shutdown --data-dir dir`, run to its end. */
const shutdownToEnd = async (dir: string): Promise<Cli> => {
  const shutdown = start('shutdown', '--data-dir', dir);
  await waitFor('the end of shutdown', () => shutdown.process.exitCode !== null || shutdown.process.signalCode !== null, 15_000);
  return shutdown;
};

describe.skipIf(noCgroups !== undefined)(`rxdaemon shutdown with no manager, under containment${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  it("stops the recorded leader with its own stop signal, ends its setsid escapee through the service's cgroup, removes the scope's cgroups; exit 0", async () => {
    const { dir, scope } = dataAndScope();
    const { leader, escapee } = await escapeeLeftBehind(dir);
    expect([isAlive(leader), isAlive(escapee)]).toEqual([true, true]);

    const shutdown = await shutdownToEnd(dir);
    expect(shutdown.process.exitCode).toBe(0);
    expect(shutdown.stderr).toBe('');
    // Its own stop signal, which ended it: never the SIGKILL of a grace run out.
    expect(shutdown.stdout).toMatch(new RegExp(`\\[web\\] +sent SIGUSR2 to pid ${leader}`));
    expect(shutdown.stdout).not.toMatch(/SIGKILL/);
    expect(shutdown.stdout.trimEnd().split('\n').at(-1)).toBe(`stopped every process the records of ${dir} held; no manager runs there`);
    expect([isAlive(leader), isAlive(escapee)]).toEqual([false, false]);
    expect(existsSync(scope)).toBe(false);
  });

  it("run from another cgroup than the manager's (a login shell against a systemd unit's manager): finds the service's cgroup in its record, ends the escapee, removes the scope's cgroups", async () => {
    const { dir } = dataAndScope();
    const unit = elsewhere().service('unit');
    const scope = join(unit, `rxd-${scopeOf(dir)}`);
    // An escapee without RXDAEMON_* variables: the scope's environ scan cannot find it, only its cgroup holds it.
    const { leader, escapee } = await escapeeLeftBehind(dir, { cgroupRoot: unit, dropEnv: true });
    expect(existsSync(join(scope, 'web'))).toBe(true);

    // Its own cgroup root, the test's cgroup, holds no rxd-<scope>: only the record tells where web ran.
    const shutdown = await shutdownToEnd(dir);
    expect(shutdown.stderr).toBe('');
    expect(shutdown.process.exitCode).toBe(0);
    expect(shutdown.stdout).toMatch(new RegExp(`\\[web\\] +sent SIGUSR2 to pid ${leader}`));
    expect([isAlive(leader), isAlive(escapee)]).toEqual([false, false]);
    expect(existsSync(scope)).toBe(false);
  });
});
