import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BehaviorSubject, type Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage, type DesiredSet } from '../../lib/manager/manage.js';
import { DataDir } from '../../lib/manager/data-dir.js';
import { scopeOf } from '../../lib/manager/open-data-dir.js';
import { Records } from '../../lib/manager/records.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rxdaemon-m8-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** What the data dir records now, as a manager started at this moment would find it. */
const recorded = (): Record<string, number> => {
  const { records, found } = Records.open(new DataDir(root), 0);
  records.close();
  return Object.fromEntries([...found.daemons].map(([id, entry]) => [id, (entry as { pid: number }).pid]));
};

const line = (event: ManagerEvent): string => `${event.type}${'id' in event && event.id !== undefined ? `:${event.id}` : ''}@${event.at}`;

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
        if (event.type === 'stopping' || event.type === 'killing' || (event.type === 'exited' && event.id === 'a')) during[line(event)] = recorded();
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
      manage(desired$, { driver, dataDir: root, kill$: cold('5s k') }).subscribe((event) => seen.push(line(event)));
      expect(stray.pid).toBe(1000);
    });
    // The fresh one waits for the stray to be gone (polled every 10 ms while it stops).
    expect(seen.filter((event) => !event.startsWith('snapshot')).slice(0, 8)).toEqual([
      'stray:web@0',
      'adopted:web@0',
      'stopping:web@0',
      'restored@0',
      'reconcile@0',
      'exited:web@10',
      'stopped:web@10',
      'spawning:web@10',
    ]);
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
      manage(desired$, { driver, dataDir: root, close$: cold('1s c') }).subscribe((event) => seen.push(line(event)));
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
      manage(desired$, { driver, dataDir: root, kill$: cold('1s k') }).subscribe((event) => seen.push(line(event)));
      expect([worker.alive, lost.alive]).toEqual([false, false]);
    });
    expect(driver.endedGroups.filter(({ at }) => at === 0).map(({ pid }) => pid)).toEqual(expect.arrayContaining([1000, 4242]));
    expect(seen.slice(0, 2)).toEqual(['restore-skipped:web@0', 'stray:api@0']);
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
    expect(seen.filter((event) => event.type === 'invalid-entry').map(line)).toEqual(['invalid-entry:web@0', 'invalid-entry:web@1500']);
    expect(driver.spawns.map((spec) => spec.command)).toEqual(['api']);
    // Its record stays for a later manager that can see it.
    expect(recorded()).toEqual({ web: 1000 });
  });
});
