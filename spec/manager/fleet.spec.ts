import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { Fleet } from '../../lib/manager/fleet.js';
import { Manager } from '../../lib/manager/manager.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { of } from 'rxjs';

describe('Fleet.restore (M4)', () => {
  it('skips, with a warning each, entries with a bad id, a malformed snapshot, a dead process', () => {
    const driver = new FakeDriver({}, { scheduler: asyncScheduler });
    const dead = driver.addProcess();
    driver.end(dead.pid, { code: 0, signal: null });
    const fleet = new Fleet({ driver, scheduler: asyncScheduler }, undefined, undefined);
    const events: ManagerEvent[] = [];
    fleet.events$.subscribe((event) => events.push(event));
    const entry = { version: 1, pid: dead.pid, startTime: dead.startTime, bootId: 'fake-boot', command: 'x', args: [], env: {} };
    const daemons = new Map(Object.entries({ '../escape': entry, malformed: { ...entry, pid: 'one' }, gone: entry }));
    fleet.restore({ daemons, spawning: new Map() }, [], new Map());
    const skipped = events.flatMap((event) => (event.type === 'restore-skipped' ? [[event.id, event.code]] : []));
    expect(skipped).toEqual([
      ['../escape', 'EINVALID'],
      ['malformed', 'EINVALID'],
      ['gone', 'EDEAD'],
    ]);
    expect(events.map((event) => event.type).slice(-2)).toEqual(['restored', 'reconcile']);
    expect(driver.signals).toEqual([]);
  });

  it('keeps an adopted service that has `after`: the restored service equals the desired one, so nothing is replaced', () => {
    const driver = new FakeDriver({}, { scheduler: asyncScheduler });
    const [db, api] = [driver.addProcess(), driver.addProcess()];
    const fleet = new Fleet({ driver, scheduler: asyncScheduler }, undefined, undefined);
    const events: ManagerEvent[] = [];
    fleet.events$.subscribe((event) => events.push(event));
    const entry = (process: typeof db, command: string) => ({ version: 1, pid: process.pid, startTime: process.startTime, bootId: 'fake-boot', command, args: [], env: {} });
    const daemons = new Map(Object.entries({ db: entry(db, 'db'), api: entry(api, 'api') }));
    fleet.restore({ daemons, spawning: new Map() }, [], new Map(Object.entries({ db: { command: 'db' }, api: { command: 'api', after: ['db'] } })));
    const reconcile = events.find((event) => event.type === 'reconcile');
    expect(reconcile).toMatchObject({ started: [], stopped: [], replaced: [], unchanged: 2 });
    expect(driver.spawns).toEqual([]);
  });
});

describe('Manager', () => {
  it('run is idempotent, and ended() before run resolves at once', async () => {
    const manager = new Manager(of({}), { driver: new FakeDriver() });
    expect(await manager.ended()).toBeUndefined();
    manager.run();
    manager.run();
    expect((await manager.kill()).type).toBe('manager-stopped');
  });
});
