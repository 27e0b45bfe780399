import { NEVER, Observable, of, timer } from 'rxjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage, type ManagerOptions } from '../../lib/manager/manage.js';
import { stopRecorded$ } from '../../lib/manager/stop-recorded.js';
import { silentLogger } from '../../lib/logger.js';
import { scopeOf } from '../../lib/manager/open-data-dir.js';
import { ownScopeOf } from '../../lib/manager/own-scope.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { StatusBoard } from '../../lib/manager/status-board.js';
import { FakeCgroups } from '../../lib/testing/fake-cgroups.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

/** Where a FakeCgroups finds the manager's own cgroup: the root of the scopes. */
const ROOT = '/sys/fs/cgroup/fake.service';

/** A FakeDriver whose services are contained by a FakeCgroups that has `controllers`. */
const contained = (fake = new FakeDriver(), controllers: readonly string[] = []) => {
  const cgroups = new FakeCgroups(fake.processes, { controllers });
  return { fake, cgroups, driver: fake.withCgroups(cgroups) };
};

/** Every event of a manager of `desired` (one set, or sets at the times given), to its end. */
const run = (desired: DesiredSet | [number, DesiredSet][], options: ManagerOptions): ManagerEvent[] => {
  const events: ManagerEvent[] = [];
  inVirtualTime(() => {
    const sets = Array.isArray(desired) ? desired : [[0, desired] as [number, DesiredSet]];
    const desired$ = new Observable<DesiredSet>((subscriber) => {
      for (const [at, set] of sets) timer(at).subscribe(() => { subscriber.next(set); });
    });
    manage(desired$, { quietMs: 0, kill$: timer(60_000), ...options }).subscribe((event) => events.push(event));
  });
  return events;
};

describe('containment: the option and its event', () => {
  it('says once, before the first reconcile, that the services are process groups where no cgroups can be had, and why', () => {
    const events = run({ web: { command: 'web' } }, { driver: new FakeDriver() });
    const told = events.filter((event) => event.type === 'containment');
    expect(told).toEqual([{ type: 'containment', at: 0, mode: 'process-group', reason: expect.stringContaining('cgroups cannot be used') as unknown }]);
    expect(events[0]?.type).toBe('containment');
  });

  it("says 'cgroup', with the cgroup root, where a writable cgroup v2 hierarchy is found", () => {
    const { driver } = contained();
    const [first] = run({ web: { command: 'web' } }, { driver });
    expect(first).toMatchObject({ type: 'containment', mode: 'cgroup', reason: expect.stringContaining(`under ${ROOT}`) as unknown });
  });

  it("says 'process-group' when it is asked for, even where cgroups could be had", () => {
    const { fake, cgroups, driver } = contained();
    const [first] = run({ web: { command: 'web' } }, { driver, containment: 'process-group' });
    expect(first).toMatchObject({ type: 'containment', mode: 'process-group' });
    expect([cgroups.dirs.size, cgroups.limits, cgroups.kills, cgroups.removed]).toEqual([0, [], [], []]);
    expect(fake.spawns.map((spec) => spec.cgroup)).toEqual([undefined]);
  });

  it("refuses to run with containment 'cgroup' where there are none: manager-refused ECGROUP saying what is missing, nothing spawned", () => {
    const driver = new FakeDriver();
    const events = run({ web: { command: 'web' } }, { driver, containment: 'cgroup' });
    expect(events).toEqual([{ type: 'manager-refused', at: 0, code: 'ECGROUP', message: expect.stringContaining("containment 'cgroup' cannot be had") as unknown }]);
    expect(driver.spawns).toEqual([]);
  });

  it('refuses a containment that is not one of the three with a TypeError naming it', () => {
    expect(() => manage(of({}), { containment: 'cgroups' as 'cgroup' })).toThrow(/Expected the `containment` option/);
  });
});

describe("containment: each service's cgroup", () => {
  it('spawns each service in <root>/rxd-<scope>/<id>, made once and kept across its restarts', () => {
    const { fake, cgroups, driver } = contained(new FakeDriver({ byId: { web: { exitAfterMs: 100 } }, otherwise: {} }));
    const scope = ownScopeOf(fake.processes);
    const create = vi.spyOn(cgroups, 'create');
    run({ web: { command: 'web' }, api: { command: 'api' } }, { driver, kill$: timer(5_000) });
    // Once per id, and none removed before the kill's removal of the whole scope.
    expect(create.mock.calls.map(([, , id]) => id)).toEqual(['web', 'api']);
    expect(cgroups.removed.map(({ dir }) => dir)).toEqual([`${ROOT}/rxd-${scope}`]);
    expect(fake.spawns.filter((spec) => spec.command === 'web').length).toBeGreaterThan(2);
    expect(fake.spawns.map((spec) => [spec.command, spec.cgroup])).toContainEqual(['api', `${ROOT}/rxd-${scope}/api`]);
    expect(new Set(fake.spawns.filter((spec) => spec.command === 'web').map((spec) => spec.cgroup))).toEqual(new Set([`${ROOT}/rxd-${scope}/web`]));
  });

  it('skips an id whose cgroup cannot be made (the manager\'s own leaf, a kernel file) with an invalid-entry naming why; the others run', () => {
    const { fake, driver } = contained();
    const events = run({ supervisor: { command: 's' }, 'cpu.stat': { command: 'c' }, web: { command: 'web' } }, { driver });
    const invalid = events.filter((event) => event.type === 'invalid-entry');
    expect(invalid).toEqual([
      expect.objectContaining({ id: 'supervisor', code: 'ECGROUP', message: expect.stringContaining("manager's own cgroup") as unknown }),
      expect.objectContaining({ id: 'cpu.stat', code: 'ECGROUP', message: expect.stringContaining('cpu.stat: a regular file of that name is there') as unknown }),
    ]);
    expect(fake.spawns.map((spec) => spec.command)).toEqual(['web']);
  });
});

describe('containment: limits', () => {
  it('refuses memoryMax where the memory controller is not delegated: invalid-entry ELIMITS naming the controller, and that service does not start', () => {
    const { fake, driver } = contained(new FakeDriver(), ['hugetlb']);
    const events = run({ big: { command: 'big', memoryMax: 2 ** 28 }, web: { command: 'web' } }, { driver });
    expect(events.filter((event) => event.type === 'invalid-entry')).toEqual([
      expect.objectContaining({ id: 'big', code: 'ELIMITS', message: expect.stringContaining('memoryMax needs the memory controller') as unknown }),
    ]);
    expect(fake.spawns.map((spec) => spec.command)).toEqual(['web']);
  });

  it.each([
    ['ELIMITS', 'big', { command: 'big', memoryMax: 2 ** 28 }, 'memoryMax needs the memory controller'],
    ['ECGROUP', 'supervisor', { command: 'supervisor' }, "its cgroup cannot be made: the id `supervisor` names the manager's own cgroup"],
  ])('a dependent of an id refused for %s is told (dependency-failed, invalid) and waits with a cause naming the refusal', (code, id, refused, why) => {
    const { fake, driver } = contained(new FakeDriver(), ['hugetlb']);
    const board = new StatusBoard();
    const web = { command: 'web', after: [id] };
    const events = run(
      [
        [0, { [id]: refused, web }],
        [1_000, { [id]: refused, web, other: { command: 'other' } }],
      ],
      { driver },
    );
    // Before the kill that ends the run.
    for (const event of events.filter(({ at }) => at < 2_000)) board.see(event);
    const cause = `waiting for ${id} to be ready: ${id} is refused (${code}): ${why}`;
    // Said once, at the first set: the second leaves both as they were.
    expect(events.filter((event) => event.type === 'dependency-failed')).toEqual([
      { type: 'dependency-failed', at: 0, id: 'web', dependency: id, how: 'invalid', cause: expect.stringContaining(cause) as unknown },
    ]);
    // What `status` shows for web.
    expect(board.report(['web'], 1_500).find((report) => report.id === 'web')).toMatchObject({ status: 'idle', cause: expect.stringContaining(cause) as unknown });
    expect(fake.spawns.map((spec) => spec.command)).toEqual(['other']);
  });

  it('a dependent of an id refused for ELIMITS starts once a set lifts the refusal and the id is ready', () => {
    const { fake, driver } = contained(new FakeDriver(), ['hugetlb']);
    const web = { command: 'web', after: ['big'] };
    run(
      [
        [0, { big: { command: 'big', memoryMax: 2 ** 28 }, web }],
        [1_000, { big: { command: 'big' }, web }],
      ],
      { driver },
    );
    expect(fake.spawns.map((spec) => spec.command)).toEqual(['big', 'web']);
  });

  it('a dependent of a one-shot refused for ELIMITS waits, in words, for it to complete, not to be ready', () => {
    const events = run({ migrate: { command: 'migrate', oneshot: true, cpuMax: 0.5 }, web: { command: 'web', after: ['migrate'] } }, { driver: new FakeDriver() });
    expect(events.filter((event) => event.type === 'dependency-failed')).toEqual([
      expect.objectContaining({ id: 'web', dependency: 'migrate', cause: expect.stringMatching(/^waiting for migrate to complete: migrate is refused \(ELIMITS\): cpuMax needs/) as unknown }),
    ]);
  });

  it('refuses every limit under process-group containment: ELIMITS, never dropped silently', () => {
    const fake = new FakeDriver();
    const events = run({ busy: { command: 'busy', cpuMax: 0.5 } }, { driver: fake });
    expect(events.filter((event) => event.type === 'invalid-entry')).toEqual([
      expect.objectContaining({ id: 'busy', code: 'ELIMITS', message: expect.stringContaining('cpuMax needs the cpu controller') as unknown }),
    ]);
    expect(fake.spawns).toEqual([]);
  });

  it('writes the limits into the cgroup before the first spawn where the controllers are delegated, and again when they change', () => {
    const { fake, cgroups, driver } = contained(new FakeDriver(), ['memory', 'cpu', 'pids']);
    const scope = ownScopeOf(fake.processes);
    const spawnsWhenLimited: number[] = [];
    const limit = cgroups.limit.bind(cgroups);
    vi.spyOn(cgroups, 'limit').mockImplementation((...args) => {
      spawnsWhenLimited.push(fake.spawns.length);
      return limit(...args);
    });
    run(
      [
        [0, { web: { command: 'web', memoryMax: 2 ** 28, pidsMax: 64 } }],
        [1_000, { web: { command: 'web', memoryMax: 2 ** 29, pidsMax: 64 } }],
      ],
      { driver },
    );
    const dir = `${ROOT}/rxd-${scope}/web`;
    expect(cgroups.limits.map(({ dir, writes }) => [dir, writes.map(({ file, value }) => `${file}=${value}`)])).toEqual([
      [dir, [`memory.max=${2 ** 28}`, 'pids.max=64']],
      [dir, [`memory.max=${2 ** 29}`, 'pids.max=64']],
    ]);
    // Each before the spawn it binds.
    expect(spawnsWhenLimited).toEqual([0, 1]);
    expect(fake.spawns.length).toBe(2);
  });

  it("puts a limit removed from a service's definition back to max when the changed service is replaced, never leaving the old value in its cgroup", () => {
    const { fake, cgroups, driver } = contained(new FakeDriver(), ['memory', 'cpu', 'pids']);
    run(
      [
        [0, { web: { command: 'web', memoryMax: 2 ** 28, cpuMax: 0.5, pidsMax: 64 } }],
        [1_000, { web: { command: 'web', pidsMax: 64 } }],
        [2_000, { web: { command: 'web' } }],
      ],
      { driver },
    );
    const written = cgroups.limits.map(({ dir, writes }) => [dir, writes.map(({ file, value }) => `${file}=${value}`)]);
    const dir = `${ROOT}/rxd-${ownScopeOf(fake.processes)}/web`;
    expect(written).toEqual([
      [dir, [`memory.max=${2 ** 28}`, 'cpu.max=50000 100000', 'pids.max=64']],
      [dir, ['pids.max=64', 'memory.max=max', 'cpu.max=max']],
      [dir, ['pids.max=max']],
    ]);
    expect(fake.spawns.length).toBe(3);
  });
});

describe('containment: cleanup', () => {
  it("removes a service's cgroup once it left the set and its daemon stopped; kill() removes the scope's; the others' stay until then", () => {
    const { fake, cgroups, driver } = contained();
    const scope = ownScopeOf(fake.processes);
    run(
      [
        [0, { web: { command: 'web' }, api: { command: 'api' } }],
        [1_000, { web: { command: 'web' } }],
      ],
      { driver, kill$: timer(10_000) },
    );
    expect(cgroups.removed).toEqual([
      { dir: `${ROOT}/rxd-${scope}/api`, at: 1_000 },
      { dir: `${ROOT}/rxd-${scope}`, at: 10_000 },
    ]);
    expect([...cgroups.dirs]).toEqual([]);
  });

  it('leaves every cgroup on close(): the processes run on in them', () => {
    const { cgroups, driver } = contained();
    run({ web: { command: 'web' } }, { driver, kill$: NEVER, close$: timer(1_000) });
    expect(cgroups.removed).toEqual([]);
    expect(cgroups.dirs.size).toBe(1);
  });
});

describe("containment: the scope's cgroups at restore (M8 by cgroup)", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rxdaemon-contain-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('ends what runs in the cgroup of an id no longer desired and removes it, removes an empty one, and ends what is left in a desired id\'s cgroup before its first spawn', () => {
    const { fake, cgroups, driver } = contained();
    const scope = scopeOf(root);
    const dirOf = (id: string): string => join(ROOT, `rxd-${scope}`, id);
    const [gone, empty, web] = [dirOf('gone'), dirOf('empty'), dirOf('web')];
    const left: number[] = [];
    const inWebAtSpawn: number[][] = [];
    inVirtualTime(() => {
      // What a crashed manager left: its cgroups, two of them holding a process (with no RXDAEMON_* variables: found by the cgroup alone).
      for (const id of ['gone', 'empty', 'web']) cgroups.create(ROOT, scope, id);
      left.push(...[gone, web].map((dir) => fake.processes.addProcess({ cgroup: dir }).pid));
      manage(of({ web: { command: 'web' } }), { driver, dataDir: root, quietMs: 0, close$: timer(1_000) }).subscribe((event) => {
        if (event.type === 'spawning') inWebAtSpawn.push(cgroups.members(web).map(({ pid }) => pid));
      });
    });
    expect(cgroups.kills.map(({ dir }) => dir).sort()).toEqual([gone, web].sort());
    expect(cgroups.removed.map(({ dir }) => dir).sort()).toEqual([empty, gone].sort());
    expect(left.map((pid) => fake.processes.get(pid)?.alive)).toEqual([false, false]);
    // The fresh web starts alone in its cgroup: after what was left there was killed.
    expect(inWebAtSpawn).toEqual([[]]);
    expect([...cgroups.dirs]).toEqual([web]);
  });

  it("gives up waiting after 1 s for what outlives cgroup.kill (uninterruptible sleep), says so, and starts the desired id's run; the cgroup is left", () => {
    const { fake, cgroups, driver } = contained();
    const warned: string[] = [];
    const web = join(ROOT, `rxd-${scopeOf(root)}`, 'web');
    const spawnedAt: number[] = [];
    inVirtualTime(() => {
      cgroups.create(ROOT, scopeOf(root), 'web');
      cgroups.stuck(fake.processes.addProcess({ cgroup: web }).pid);
      const logger = { ...silentLogger, warn: (message: string) => warned.push(message) };
      manage(of({ web: { command: 'web' } }), { driver, dataDir: root, quietMs: 0, close$: timer(5_000), logger }).subscribe((event) => {
        if (event.type === 'spawning') spawnedAt.push(event.at);
      });
    });
    expect(cgroups.kills).toEqual([{ dir: web, at: 0 }]);
    expect(spawnedAt).toEqual([1_000]);
    expect(warned).toEqual([expect.stringContaining(`the processes left in ${web} outlived cgroup.kill for 1 s`)]);
    expect(cgroups.dirs.has(web)).toBe(true);
  });

  it('ends stopRecorded$ (rxdaemon shutdown with no manager) 1 s after a cgroup.kill that leaves a process in uninterruptible sleep, where it waited forever', () => {
    const { fake, cgroups, driver } = contained();
    const gone = join(ROOT, `rxd-${scopeOf(root)}`, 'gone');
    const ends: string[] = [];
    inVirtualTime(() => {
      cgroups.create(ROOT, scopeOf(root), 'gone');
      cgroups.stuck(fake.processes.addProcess({ cgroup: gone }).pid);
      stopRecorded$(root, { driver }).subscribe((event) => {
        if (event.type === 'manager-stopped') ends.push(`${event.type}@${event.at}`);
      });
    });
    expect(ends).toEqual(['manager-stopped@1000']);
  });
});
