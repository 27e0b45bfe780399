import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BehaviorSubject, type Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { DataDir } from '../../lib/manager/data-dir.js';
import { scopeOf } from '../../lib/manager/open-data-dir.js';
import { Records } from '../../lib/manager/records.js';
import type { ChildHandle } from '../../lib/process/processes.js';
import type { SpawnSpec } from '../../lib/process/spawn-spec.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import type { FakeProcess } from '../../lib/testing/fake-process.js';
import { FakeProcesses } from '../../lib/testing/fake-processes.js';
import { FakeSystem } from '../../lib/testing/fake-system.js';
import { recordedPids } from '../helpers/records.js';
import { inVirtualTime } from '../helpers/virtual-time.js';
import { eventLine } from '../helpers/event-line.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rxdaemon-m8-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** What the data dir records now. */
const recorded = (): Record<string, number> => recordedPids(root);

/**
 * What a fresh manager does, in {@link eventLine}s, about a stray of web found at
 * its start whose stop takes 10 ms: adopts it to stop it, and only once it
 * is gone spawns web's one process.
 */
const STRAY_WEB_REPLACED = [
  'stray:web@0',
  'adopted:web@0',
  'stopping:web@0',
  'restored@0',
  'reconcile@0',
  'exited:web@10',
  'stopped:web@10',
  'spawning:web@10',
];

describe('M8: a record is on disk before the manager does anything else with its process', () => {
  it('is written in the same tick as `started`, long before the snapshot interval', () => {
    const driver = new FakeDriver();
    const atStart: Record<string, number>[] = [];
    inVirtualTime(({ cold }) => {
      const desired$ = new BehaviorSubject<DesiredSet>({ a: { command: 'a' }, b: { command: 'b' }, c: { command: 'c' } });
      manage(desired$, { driver, dataDir: root, kill$: cold('10s k') }).subscribe((event) => {
        if (event.type === 'started') atStart.push(recorded());
      });
    });
    expect(atStart).toEqual([{ a: 1000 }, { a: 1000, b: 1001 }, { a: 1000, b: 1001, c: 1002 }]);
    expect(recorded()).toEqual({});
  });

  it('keeps a daemon being stopped recorded until its process is gone (a config change during its grace period)', () => {
    const driver = new FakeDriver((n) => (n === 1 ? { onSigint: 'ignore' } : {}));
    const during: Record<string, Record<string, number>> = {};
    inVirtualTime(({ hot, cold }) => {
      const sets: Record<string, DesiredSet> = { a: { a: { command: 'a' }, b: { command: 'b' } }, b: { c: { command: 'c' } } };
      const desired$: Observable<DesiredSet> = hot('a 999ms b', sets);
      manage(desired$, { driver, dataDir: root, gracefulStopMs: 3_000, kill$: cold('10s k') }).subscribe((event) => {
        if (event.type === 'stopping' || event.type === 'killing' || (event.type === 'exited' && event.id === 'a')) during[eventLine(event)] = recorded();
      });
    });
    // a ignores SIGINT: it is recorded while it is stopped, until SIGKILL ends it; c, new, waits for nothing of a's.
    expect(during).toEqual({
      'stopping:a@1500': { a: 1000, b: 1001 },
      'stopping:b@1500': { a: 1000, b: 1001 },
      'killing:a@4500': { a: 1000, c: 1002 },
      'exited:a@4500': { c: 1002 },
      'stopping:c@10000': { c: 1002 },
    });
  });
});

describe('M8: processes of the data dir that no record holds', () => {
  const marked = (driver: FakeDriver, id: string, more: { ppid?: number; session?: number } = {}) =>
    driver.addProcess({ env: { RXDAEMON_SCOPE: scopeOf(root), RXDAEMON_ID: id }, ...more });

  it('are stopped, never left unsupervised, and the desired id gets one fresh process', () => {
    const driver = new FakeDriver();
    const seen: string[] = [];
    inVirtualTime(({ cold }) => {
      // A manager killed between the fork and the record left this behind.
      const stray = marked(driver, 'web');
      const desired$ = new BehaviorSubject<DesiredSet>({ web: { command: 'web' } });
      manage(desired$, { driver, dataDir: root, kill$: cold('5s k') }).subscribe((event) => seen.push(eventLine(event)));
      expect(stray.pid).toBe(1000);
    });
    // The fresh one waits for the stray to be gone (polled every 10 ms while it stops).
    expect(seen.filter((event) => !event.startsWith('snapshot')).slice(0, 9)).toEqual(['containment@0', ...STRAY_WEB_REPLACED]);
    expect(driver.processes.get(1000)?.alive).toBe(false);
    expect(driver.spawns).toHaveLength(1);
  });

  it('leave a recorded process and its descendants alone, and processes of another scope', () => {
    const driver = new FakeDriver();
    const seen: string[] = [];
    inVirtualTime(({ cold }) => {
      const first$ = new BehaviorSubject<DesiredSet>({ web: { command: 'web' } });
      manage(first$, { driver, dataDir: root, close$: cold('1s c') }).subscribe();
    });
    inVirtualTime(({ cold }) => {
      const web = 1000;
      marked(driver, 'web', { ppid: web, session: web }); // its worker, in its session
      marked(driver, 'web', { ppid: web }); // a helper that left its session, its parent alive
      driver.addProcess({ env: { RXDAEMON_SCOPE: 'another-data-dir', RXDAEMON_ID: 'web' } });
      const desired$ = new BehaviorSubject<DesiredSet>({ web: { command: 'web' } });
      manage(desired$, { driver, dataDir: root, close$: cold('1s c') }).subscribe((event) => seen.push(eventLine(event)));
    });
    expect(seen.filter((event) => event.startsWith('stray') || event.startsWith('stopping'))).toEqual([]);
    expect(seen).toContain('adopted:web@0');
    expect(driver.signals).toEqual([]);
  });
});

describe('S5/M8: what is left of a daemon whose leader died while no manager ran', () => {
  it('is ended: the group of a dead recorded leader, and marked members whose session leader is gone', () => {
    const driver = new FakeDriver();
    const seen: string[] = [];
    inVirtualTime(({ cold }) => {
      const leader = driver.addProcess();
      const worker = driver.addProcess({ session: leader.pid, ppid: 1, env: { RXDAEMON_SCOPE: scopeOf(root), RXDAEMON_ID: 'web' } });
      const { records } = Records.open(new DataDir(root), 0);
      records.set('web', { version: 1, pid: leader.pid, startTime: leader.startTime, bootId: 'fake-boot', command: 'web', args: [], env: {} });
      records.close();
      driver.end(leader.pid, { code: null, signal: 'SIGKILL' });
      // A second daemon's leftover, its leader gone and never recorded.
      const lost = driver.addProcess({ session: 4242, env: { RXDAEMON_SCOPE: scopeOf(root), RXDAEMON_ID: 'api' } });
      const desired$ = new BehaviorSubject<DesiredSet>({ web: { command: 'web' } });
      manage(desired$, { driver, dataDir: root, kill$: cold('1s k') }).subscribe((event) => seen.push(eventLine(event)));
      expect([worker.alive, lost.alive]).toEqual([false, false]);
    });
    expect(driver.endedGroups.filter(({ at }) => at === 0).map(({ pid }) => pid)).toEqual(expect.arrayContaining([1000, 4242]));
    expect(seen.slice(0, 3)).toEqual(['containment@0', 'restore-skipped:web@0', 'stray:api@0']);
    expect(driver.spawns).toHaveLength(1);
  });
});

describe('M4/M8: a recorded process that still runs but cannot be supervised', () => {
  it('holds its id: never started a second time, and said so at every reconcile', () => {
    const driver = new FakeDriver();
    const seen: ManagerEvent[] = [];
    inVirtualTime(({ hot, cold }) => {
      const foreign = driver.addProcess({ foreign: true });
      const { records } = Records.open(new DataDir(root), 0);
      records.set('web', { version: 1, pid: foreign.pid, startTime: foreign.startTime, bootId: 'fake-boot', command: 'web', args: [], env: {} });
      records.close();
      const sets: Record<string, DesiredSet> = { a: { web: { command: 'web' } }, b: { web: { command: 'web' }, api: { command: 'api' } } };
      const desired$: Observable<DesiredSet> = hot('a 999ms b', sets);
      manage(desired$, { driver, dataDir: root, kill$: cold('5s k') }).subscribe((event) => seen.push(event));
    });
    expect(seen.filter((event) => event.type === 'restore-skipped').map((event) => 'code' in event && event.code)).toEqual(['EFOREIGN']);
    expect(seen.filter((event) => event.type === 'invalid-entry').map(eventLine)).toEqual(['invalid-entry:web@0', 'invalid-entry:web@1500']);
    expect(driver.spawns.map((spec) => spec.command)).toEqual(['api']);
    // Its record stays for a later manager that can see it.
    expect(recorded()).toEqual({ web: 1000 });
  });
});

describe('M8: a spawn whose process no longer shows the scope, found by the intent written before it', () => {
  /** What a manager SIGKILLed right after forking `web` leaves on disk: its files as they were when it called spawn. */
  class KilledAtFork extends FakeProcesses {
    left: { readonly journal: string; readonly snapshot: string | undefined } | undefined;

    override spawn(spec: SpawnSpec): Observable<ChildHandle> {
      const read = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
      if (spec.env.RXDAEMON_ID === 'web' && this.left === undefined) this.left = { journal: read(join(root, 'journal')) ?? '', snapshot: read(join(root, 'snapshot.json')) };
      return super.spawn(spec);
    }
  }

  /** Runs a manager of {web, api} until `web` is spawned, then puts the data dir back as a SIGKILL at that fork would have left it. */
  const killedAfterForkingWeb = (): void => {
    const processes = new KilledAtFork();
    const driver = { processes, system: new FakeSystem({ processes }), files: processes.files };
    inVirtualTime(({ cold }) => {
      manage(new BehaviorSubject<DesiredSet>({ api: { command: 'api' }, web: { command: 'web' } }), { driver, dataDir: root, kill$: cold('1s k') }).subscribe();
    });
    const left = processes.left;
    if (left === undefined) throw new Error('web was never spawned');
    writeFileSync(join(root, 'journal'), left.journal);
    if (left.snapshot === undefined) rmSync(join(root, 'snapshot.json'), { force: true });
    else writeFileSync(join(root, 'snapshot.json'), left.snapshot);
  };

  // The dead manager's fake processes are not the next one's: pids from 2000 on, so none is taken for a recorded one.
  const nextWorld = (): FakeDriver => new FakeDriver({}, { firstPid: 2000 });

  /** The next manager of {web}, started `startAt` virtual ms (fake ticks) after the intent, right after `before` set up its driver: its events. */
  const nextManager = (driver: FakeDriver, before: () => void = () => undefined, startAt = 0): string[] => {
    const seen: string[] = [];
    inVirtualTime(({ cold }) => {
      cold(startAt === 0 ? 'm' : `${startAt}ms m`).subscribe(() => {
        before();
        manage(new BehaviorSubject<DesiredSet>({ web: { command: 'web' } }), { driver, dataDir: root, kill$: cold('5s k') }).subscribe((event) => seen.push(eventLine(event)));
      });
    });
    return seen;
  };

  it('is written last before the fork, and resolved by the record of the process it started', () => {
    killedAfterForkingWeb();
    const { records, found } = Records.open(new DataDir(root), 0);
    records.close();
    // The last line the dead manager wrote: web's intent, at the virtual ms (a fake tick) of its spawn.
    expect(readFileSync(join(root, 'journal'), 'utf8').trim().split('\n').at(-1)).toMatch(/^\{"seq":\d+,"id":"web","spawning":\{"command":"web","at":0,"boot":"fake-boot"\}\}$/);
    expect(Object.fromEntries(found.spawning)).toEqual({ web: { command: 'web', at: 0, boot: 'fake-boot' } });
    expect(recorded()).toEqual({ api: 1000 });
  });

  it('a process of that spawn whose environment lost the scope is stopped, and exactly one is started in its place', () => {
    killedAfterForkingWeb();
    const driver = nextWorld();
    let orphan: FakeProcess | undefined;
    // It overwrote its environment (nginx, PostgreSQL): nothing in it tells of the scope; its executable still does.
    const seen = nextManager(driver, () => (orphan = driver.addProcess({ executable: 'web' })));
    expect(orphan?.pid).toBe(2000);
    // The api process the dead manager recorded is gone in this fake world: skipped, not a stray.
    expect(seen.filter((event) => !event.startsWith('snapshot')).slice(0, 10)).toEqual(['containment@0', 'restore-skipped:api@0', ...STRAY_WEB_REPLACED]);
    expect(orphan?.alive).toBe(false);
    expect(driver.spawns.map((spec) => spec.command)).toEqual(['web']);
  });

  it('one whose executable cannot be read is reported and holds the id, for this manager and the next, until it is gone', () => {
    killedAfterForkingWeb();
    const driver = nextWorld();
    const events: ManagerEvent[] = [];
    let unseen: FakeProcess | undefined;
    inVirtualTime(({ cold }) => {
      // Its environment cannot be read either, as a non-dumpable process's cannot by a manager that is not root.
      unseen = driver.addProcess({ executable: null });
      manage(new BehaviorSubject<DesiredSet>({ web: { command: 'web' } }), { driver, dataDir: root, kill$: cold('5s k') }).subscribe((event) => events.push(event));
    });
    const skipped = events.find((event) => event.type === 'restore-skipped' && event.id === 'web');
    expect(skipped).toMatchObject({ code: 'EHIDDEN', message: expect.stringMatching(/^process 2000, started 0\.00 s after a spawn of web that a killed manager never recorded, may be that spawn's/) as unknown });
    expect(events.filter((event) => event.type === 'invalid-entry').map(eventLine)).toEqual(['invalid-entry:web@0']);
    expect(driver.spawns).toEqual([]);
    expect(driver.signals).toEqual([]);
    // Kept across the final compaction: the next manager asks the same question.
    const next = nextWorld();
    const again = nextManager(next, () => next.addProcess({ executable: null }));
    expect(again).toContain('restore-skipped:web@0');
    expect(next.spawns).toEqual([]);
    // Once it is gone, a manager starts web, and the intent is resolved.
    expect(unseen?.alive).toBe(true);
    const after = nextWorld();
    expect(nextManager(after)).toContain('spawning:web@0');
    expect(after.spawns.map((spec) => spec.command)).toEqual(['web']);
    const { records, found } = Records.open(new DataDir(root), 0);
    records.close();
    expect(found.spawning.size).toBe(0);
  });

  const leftAlone: readonly (readonly [string, (driver: FakeDriver) => void, number?])[] = [
    ['started more than 50 ticks after the intent', (driver) => driver.addProcess({ executable: 'web' }), 51],
    ['running another program', (driver) => driver.addProcess({ executable: 'nginx' })],
    ['not a session leader', (driver) => driver.addProcess({ executable: 'web', session: 4242 })],
    ['carrying another data dir’s scope', (driver) => driver.addProcess({ executable: 'web', env: { RXDAEMON_SCOPE: 'another-data-dir' } })],
    ['another user’s', (driver) => driver.addProcess({ executable: 'web', foreign: true })],
  ];

  for (const [what, add, startAt = 0] of leftAlone) {
    it(`a process ${what} is left alone`, () => {
      killedAfterForkingWeb();
      const driver = nextWorld();
      const seen = nextManager(driver, () => {
        add(driver);
      }, startAt);
      expect(seen.filter((event) => event.startsWith('stray') || event.startsWith('restore-skipped:web'))).toEqual([]);
      expect(driver.signals.filter(({ pid }) => pid === 2000)).toEqual([]);
      expect(driver.processes.get(2000)?.alive).toBe(true);
    });
  }

  it('an intent of another boot finds nothing: its ticks count another boot’s time', () => {
    killedAfterForkingWeb();
    const driver = new FakeDriver({}, { bootId: 'another-boot', firstPid: 2000 });
    const seen = nextManager(driver, () => driver.addProcess({ executable: 'web' }));
    expect(seen.filter((event) => event.startsWith('stray'))).toEqual([]);
    expect(driver.processes.get(2000)?.alive).toBe(true);
  });
});

describe('M8: what an intent costs, and who pays it', () => {
  it('a failed spawn’s intent is dropped at once by a compaction, before the failure is reported', () => {
    const driver = new FakeDriver((n) => (n === 1 ? { spawnError: 'ENOENT' } : {}));
    const pending: number[] = [];
    inVirtualTime(({ cold }) => {
      manage(new BehaviorSubject<DesiredSet>({ web: { command: 'web' } }), { driver, dataDir: root, kill$: cold('10s k') }).subscribe((event) => {
        if (event.type === 'spawn-failed') {
          const { records, found } = Records.open(new DataDir(root), 0);
          records.close();
          pending.push(found.spawning.size);
        }
      });
    });
    expect(pending).toEqual([0]);
    expect(driver.spawns).toHaveLength(2);
  });

  it('only a manager with a data dir writes intents: one driver call per spawn; bare daemons and managers without a data dir make none', () => {
    const driver = new FakeDriver({ exitAfterMs: 100, exitCode: 1 });
    const intents = vi.spyOn(driver.system, 'spawnIntent');
    inVirtualTime(({ cold }) => {
      manage(new BehaviorSubject<DesiredSet>({ web: { command: 'web' } }), { driver, kill$: cold('1s k') }).subscribe();
      const daemon = new Daemon({ command: 'bare' }, { driver });
      daemon.start();
      cold('1s s').subscribe(() => void daemon.stop());
    });
    expect(intents).not.toHaveBeenCalled();
    const spawns = driver.spawns.length;
    inVirtualTime(({ cold }) => {
      manage(new BehaviorSubject<DesiredSet>({ web: { command: 'web' } }), { driver, dataDir: root, kill$: cold('1s k') }).subscribe();
    });
    expect(driver.spawns.length - spawns).toBeGreaterThan(2);
    expect(intents).toHaveBeenCalledTimes(driver.spawns.length - spawns);
  });
});
