import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { ServiceCgroups } from '../../lib/manager/service-cgroups.js';
import { Fleet } from '../../lib/manager/fleet.js';
import { DaemonStates } from '../../lib/manager/fold-states.js';
import { Manager } from '../../lib/manager/manager.js';
import type { Service } from '../../lib/manager/service.js';
import { silentLogger } from '../../lib/logger.js';
import { noCgroups } from '../../lib/process/cgroups.js';
import { hashToken } from '../../lib/snapshot/token-hash.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import type { FakeProcess } from '../../lib/testing/fake-process.js';
import { of } from 'rxjs';
import { inVirtualTime } from '../helpers/virtual-time.js';

/** The fleet's cgroups under process-group containment: none. */
const processGroups = (): ServiceCgroups => new ServiceCgroups({ mode: 'process-group', reason: 'spec' }, noCgroups, 'spec', silentLogger, asyncScheduler);

describe('Fleet.restore (M4)', () => {
  it('skips, with a warning each, entries with a bad id, a malformed snapshot, a dead process', () => {
    const driver = new FakeDriver({}, { scheduler: asyncScheduler });
    const dead = driver.addProcess();
    driver.end(dead.pid, { code: 0, signal: null });
    const fleet = new Fleet({ driver, scheduler: asyncScheduler }, undefined, undefined, processGroups());
    const events: ManagerEvent[] = [];
    fleet.events$.subscribe((event) => events.push(event));
    const entry = { version: 1, pid: dead.pid, startTime: dead.startTime, bootId: 'fake-boot', command: 'x', args: [], env: {} };
    const daemons = new Map(Object.entries({ '../escape': entry, malformed: { ...entry, pid: 'one' }, gone: entry }));
    fleet.restore({ daemons, spawning: new Map(), completed: new Map() }, [], new Map());
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
    const fleet = new Fleet({ driver, scheduler: asyncScheduler }, undefined, undefined, processGroups());
    const events: ManagerEvent[] = [];
    fleet.events$.subscribe((event) => events.push(event));
    const entry = (process: typeof db, command: string) => ({ version: 1, pid: process.pid, startTime: process.startTime, bootId: 'fake-boot', command, args: [], env: {} });
    const daemons = new Map(Object.entries({ db: entry(db, 'db'), api: entry(api, 'api') }));
    fleet.restore({ daemons, spawning: new Map(), completed: new Map() }, [], new Map(Object.entries({ db: { command: 'db' }, api: { command: 'api', after: ['db'] } })));
    const reconcile = events.find((event) => event.type === 'reconcile');
    expect(reconcile).toMatchObject({ started: [], stopped: [], replaced: [], unchanged: 2 });
    expect(driver.spawns).toEqual([]);
  });
});

describe('Fleet.restore: a recorded process no longer desired is stopped as its record says (issue 15, item 3)', () => {
  const recordOf = (process: FakeProcess, more: object = {}) => ({ version: 1, pid: process.pid, startTime: process.startTime, bootId: 'fake-boot', command: 'old', args: [], env: {}, ...more });
  const restoring = (driver: FakeDriver, daemons: Record<string, unknown>, desired: Record<string, Service> = {}) => {
    const fleet = new Fleet({ driver, scheduler: asyncScheduler }, undefined, undefined, processGroups());
    const events: ManagerEvent[] = [];
    const states = new DaemonStates();
    const ids: string[][] = [];
    fleet.events$.subscribe((event) => {
      events.push(event);
      states.see(event);
      ids.push([...states.ids()]);
    });
    fleet.restore({ daemons: new Map(Object.entries(daemons)), spawning: new Map(), completed: new Map() }, [], new Map(Object.entries(desired)));
    return { events, ids };
  };

  it('with its own stop signal, grace and group; counted as stopped by the first reconcile; gone from the states once gone', () => {
    const driver = new FakeDriver({}, { scheduler: asyncScheduler });
    const seen = inVirtualTime(() => {
      // It ignores the stop signal: the recorded grace, not the manager's 5 s, decides when SIGKILL comes.
      const old = driver.addProcess({ onSigint: 'ignore' });
      return restoring(driver, { old: recordOf(old, { stopSignal: 'SIGTERM', gracefulStopMs: 30_000, killProcessGroup: false }) });
    });
    expect(driver.signals.map(({ signal, group, at }) => `${signal}${group ? ' (group)' : ''}@${at}`)).toEqual(['SIGTERM@0', 'SIGKILL@30000']);
    expect(seen.events.find((event) => event.type === 'reconcile')).toMatchObject({ started: [], stopped: ['old'], replaced: [], unchanged: 0 });
    expect(seen.events.filter((event) => 'id' in event && event.id === 'old').map((event) => `${event.type}@${event.at}`)).toEqual([
      'adopted@0',
      'stopping@0',
      'killing@30000',
      'exited@30010',
      'stopped@30010',
    ]);
    // Known while it is being stopped, forgotten at its end.
    expect(seen.ids.at(-2)).toEqual(['old']);
    expect(seen.ids.at(-1)).toEqual([]);
    // S5 as recorded: not its group.
    expect(driver.endedGroups).toEqual([]);
  });

  it('a 0.2 record, which says nothing of the stop, is stopped with the manager\'s options', () => {
    const driver = new FakeDriver({}, { scheduler: asyncScheduler });
    inVirtualTime(() => {
      const old = driver.addProcess({ onSigint: 'ignore' });
      restoring(driver, { old: recordOf(old) });
    });
    expect(driver.signals.map(({ signal, group, at }) => `${signal}${group ? ' (group)' : ''}@${at}`)).toEqual(['SIGINT (group)@0', 'SIGKILL (group)@5000']);
  });

  it('one desired with another token is replaced: its recorded process stopped as recorded, then started anew', () => {
    const driver = new FakeDriver({}, { scheduler: asyncScheduler });
    const seen = inVirtualTime(() => {
      const old = driver.addProcess();
      return restoring(driver, { web: recordOf(old, { tokenHash: hashToken('old-token'), stopSignal: 'SIGTERM' }) }, { web: { command: 'web', token: 'new-token' } });
    });
    expect(seen.events.find((event) => event.type === 'reconcile')).toMatchObject({ started: [], stopped: [], replaced: ['web'], unchanged: 0 });
    expect(driver.signalLog()).toEqual(['SIGTERM 1000@0']);
    expect(driver.spawns.map((spawn) => spawn.command)).toEqual(['web']);
  });

  it('the group of a recorded leader that died is left alone when its record says so', () => {
    const driver = new FakeDriver({}, { scheduler: asyncScheduler });
    inVirtualTime(() => {
      const [alone, grouped] = [driver.addProcess(), driver.addProcess()];
      for (const dead of [alone, grouped]) driver.end(dead.pid, { code: 0, signal: null });
      restoring(driver, { alone: recordOf(alone, { killProcessGroup: false }), grouped: recordOf(grouped) });
      expect(driver.endedGroups.map(({ pid }) => pid)).toEqual([grouped.pid]);
    });
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
