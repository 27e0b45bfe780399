import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BehaviorSubject, of } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { bundleForAnyone, useBundle, type Shared } from '../helpers/bundle.js';
import { hierarchy, noCgroups, scopeCgroupPerTest } from '../helpers/cgroup.js';
import { cliRuns, nodeProgram, type Cli } from '../helpers/cli.js';
import { runManager } from '../helpers/real-manager.js';
import { child, isAlive, readIfThere, waitFor } from '../helpers/real-processes.js';

// A manager under cgroup containment, on this machine's real cgroupfs: each
// service in <root>/rxd-<scope>/<id>, limits refused where their controller
// is not delegated, cgroups removed as services leave and at kill(), and
// what a SIGKILLed manager left in a cgroup ended by the next one.

const ESCAPEE = fileURLToPath(new URL('../fixtures/escapee.mjs', import.meta.url));
const CONTAINED_MANAGER = fileURLToPath(new URL('../fixtures/contained-manager.ts', import.meta.url));
const NOBODY = 65534;

const trackScope = scopeCgroupPerTest();
const programs = useBundle();
const { sandbox, own } = cliRuns();

/** The sandbox's data dir, made, and its scope's cgroup, cleaned after the test. */
const dataDir = (): { data: string; scope: string } => {
  const data = sandbox().path('data');
  mkdirSync(data, { mode: 0o700, recursive: true });
  return { data, scope: trackScope(data) };
};

/** The cgroup v2 path of `pid`, as a directory of the hierarchy. */
const cgroupOf = (pid: number): string | undefined => {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'latin1').split('\n').find((entry) => entry.startsWith('0::'));
  return line === undefined ? undefined : join(hierarchy?.mountPoint ?? '', line.slice(3));
};

const is =
  <T extends ManagerEvent['type']>(type: T, id?: string) =>
  (event: ManagerEvent): event is Extract<ManagerEvent, { type: T }> =>
    event.type === type && (id === undefined || ('id' in event && event.id === id));

describe.skipIf(noCgroups !== undefined)(`a manager under cgroup containment${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  it('runs each service in <root>/rxd-<scope>/<id>, says so and why; removes a service\'s cgroup when it leaves the set, and every cgroup of the scope at kill()', async () => {
    const { data, scope } = dataDir();
    const desired$ = new BehaviorSubject<DesiredSet>({ web: child(), api: child() });
    const { manager, next } = runManager(sandbox(), desired$, { dataDir: data, quietMs: 0 });
    const containment = await next(is('containment'), 'the containment event');
    expect(containment.mode).toBe('cgroup');
    expect(containment.reason).toContain(`each service in a cgroup of its own under ${hierarchy?.root ?? ''}`);
    const web = await next(is('started', 'web'), 'web started');
    const api = await next(is('started', 'api'), 'api started');
    // `started` may come before the child's shell joined its cgroup (it joins before exec, after the fork).
    await waitFor('web and api in their cgroups', () => cgroupOf(web.pid) === join(scope, 'web') && cgroupOf(api.pid) === join(scope, 'api'));
    expect(web.cgroup).toBe(join(scope, 'web'));
    desired$.next({ web: child() });
    await next(is('stopped', 'api'), 'api stopped');
    await waitFor('the cgroup of api removed', () => !existsSync(join(scope, 'api')));
    expect(existsSync(join(scope, 'web'))).toBe(true);
    await manager.kill();
    expect(isAlive(web.pid)).toBe(false);
    expect(existsSync(scope)).toBe(false);
  });

  it.skipIf(hierarchy?.controllers.includes('memory') === true)(
    `refuses memoryMax where the memory controller is not delegated: invalid-entry ELIMITS naming it, that service alone not started${hierarchy?.controllers.includes('memory') === true ? ' (skipped: the memory controller is delegated here)' : ''}`,
    async () => {
      const { data } = dataDir();
      const { next } = runManager(sandbox(), of({ big: { ...child(), memoryMax: 2 ** 28 }, web: child() }), { dataDir: data, quietMs: 0 });
      const refused = await next(is('invalid-entry', 'big'), 'the refusal of big');
      expect(refused).toMatchObject({ code: 'ELIMITS', message: expect.stringContaining('memoryMax needs the memory controller') as unknown });
      const reconcile = await next(is('reconcile'), 'the reconcile');
      expect(reconcile.started).toEqual(['web']);
    },
  );

  it('a manager SIGKILLed in the middle of a stop, the leader gone, a setsid escapee left: the next manager ends it through the cgroup and removes the cgroup', async () => {
    const { data, scope } = dataDir();
    const pids = sandbox().path('pids.json');
    const desired = sandbox().path('desired.json');
    // The leader ignores SIGWINCH: the stop stays in its grace until the manager is killed.
    writeFileSync(desired, JSON.stringify({ web: { command: process.execPath, args: [ESCAPEE, '--pids', pids], stopSignal: 'SIGWINCH' } }));
    const first: Cli = own(nodeProgram([programs.manager, data, desired, '60000'], sandbox().dir));
    await waitFor('the escapee', () => readIfThere(pids) !== undefined, 10_000);
    const { daemon: leader, escapee } = JSON.parse(readFileSync(pids, 'utf8')) as { daemon: number; escapee: number };
    sandbox().own(leader);
    sandbox().own(escapee);
    expect(cgroupOf(escapee)).toBe(join(scope, 'web'));
    writeFileSync(desired, JSON.stringify({}));
    first.process.kill('SIGHUP');
    await first.event('the stop of web', (event) => event.type === 'stopping' && event.id === 'web');
    first.process.kill('SIGKILL');
    await first.exited;
    process.kill(leader, 'SIGKILL');
    await waitFor('the leader gone', () => !isAlive(leader));
    expect(isAlive(escapee)).toBe(true);
    const { next } = runManager(sandbox(), of({}), { dataDir: data, quietMs: 0 });
    await next(is('reconcile'), 'the first reconcile');
    await waitFor('the escapee ended', () => !isAlive(escapee));
    await waitFor('the stray cgroup removed', () => !existsSync(join(scope, 'web')));
  });
});

describe.skipIf(noCgroups !== undefined)(`a manager as nobody, who may not write the hierarchy${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  let fixture: Shared;
  beforeAll(() => {
    fixture = bundleForAnyone(CONTAINED_MANAGER);
  });
  afterAll(() => {
    fixture.remove();
  });
  const firstEvent = (containment: string): ManagerEvent =>
    JSON.parse(execFileSync(process.execPath, [fixture.path, containment], { cwd: '/', uid: NOBODY, gid: NOBODY, encoding: 'utf8' })) as ManagerEvent;

  it("containment 'cgroup': manager-refused ECGROUP, saying what is missing", () => {
    expect(firstEvent('cgroup')).toMatchObject({ type: 'manager-refused', code: 'ECGROUP', message: expect.stringContaining(`this process may not write ${hierarchy?.root ?? ''}`) as unknown });
  });

  it("containment 'auto': process groups, and why", () => {
    expect(firstEvent('auto')).toMatchObject({ type: 'containment', mode: 'process-group', reason: expect.stringContaining('cgroups cannot be used: this process may not write') as unknown });
  });
});
