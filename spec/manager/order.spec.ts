import { BehaviorSubject, of, throwError, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../lib/checks/check.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import type { DesiredSet, Service } from '../../lib/manager/service.js';
import { Manager } from '../../lib/manager/manager.js';
import { checkOrder } from '../../lib/manager/order.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime, testScheduler } from '../helpers/virtual-time.js';
import { eventLine } from '../helpers/event-line.js';

/** Ready once the clock reaches `at`. */
const readyAt =
  (at: number): Check =>
  ({ scheduler }) =>
    scheduler.now() >= at ? of(true) : throwError(() => new Error('not yet'));

const run = (desired: DesiredSet, driver = new FakeDriver(), kill = '10s k'): string[] => {
  const seen: string[] = [];
  inVirtualTime(({ cold }) => {
    manage(new BehaviorSubject(desired), { driver, kill$: cold(kill) }).subscribe((event) => seen.push(eventLine(event)));
  });
  return seen;
};

describe('after: the dependency order', () => {
  it('a service is spawned only once everything it names is ready', () => {
    const seen = run({
      app: { command: 'app', after: ['db', 'cache'] },
      db: { command: 'db', ready: { check: readyAt(300), intervalMs: 100 } },
      cache: { command: 'cache', ready: { check: readyAt(100), intervalMs: 100 } },
    });
    expect(seen.filter((event) => /^(waiting|ready|spawning):/.test(event) && !event.startsWith('stopping'))).toEqual([
      'waiting:app@0',
      'spawning:db@0',
      'spawning:cache@0',
      'ready:cache@100',
      // Said again, with what it still waits for.
      'waiting:app@100',
      'ready:db@300',
      'spawning:app@300',
      'ready:app@300',
    ]);
  });

  it('stop and kill go in reverse: dependents first, each only once what depends on it is gone', () => {
    const driver = new FakeDriver({ onSigint: { exitAfterMs: 200 } });
    const seen = run({ app: { command: 'app', after: ['db'] }, db: { command: 'db' } }, driver);
    expect(seen.filter((event) => /^(stopping|exited):/.test(event))).toEqual(['stopping:app@10000', 'exited:app@10200', 'stopping:db@10200', 'exited:db@10400']);
  });

  it('a dependency that restarts later does not restart its dependents', () => {
    const driver = new FakeDriver((n) => (n === 1 ? { exitAfterMs: 1_000, exitCode: 1 } : {}));
    const seen = run({ db: { command: 'db' }, app: { command: 'app', after: ['db'] } }, driver);
    expect(seen.filter((event) => event.startsWith('spawning'))).toEqual(['spawning:db@0', 'spawning:app@0', 'spawning:db@1000']);
  });

  it('an unknown id or a cycle is an invalid entry naming it; those entries alone (and what depends on them) are skipped', () => {
    const events: ManagerEvent[] = [];
    inVirtualTime(({ cold }) => {
      const desired: DesiredSet = {
        a: { command: 'a', after: ['b'] },
        b: { command: 'b', after: ['a'] },
        c: { command: 'c', after: ['a'] },
        d: { command: 'd', after: ['nope'] },
        e: { command: 'e' },
      };
      manage(new BehaviorSubject(desired), { driver: new FakeDriver(), kill$: cold('1s k') }).subscribe((event) => events.push(event));
    });
    const invalid = Object.fromEntries(events.flatMap((event) => (event.type === 'invalid-entry' ? [[event.id, event.message]] : [])));
    expect(invalid).toEqual({
      a: 'a cycle in `after`: a → b → a',
      b: 'a cycle in `after`: a → b → a',
      c: '`after` names "a", which is skipped',
      d: '`after` names "nope", not in the desired set',
    });
    expect(events.find((event) => event.type === 'reconcile')).toMatchObject({ started: ['e'] });
  });

  it('an invalid entry never stops a running daemon: a later set’s typo in `after`, or a cycle, leaves the daemons of those ids running as they were (issue 15, item 2)', () => {
    const web: Service = { command: 'web' };
    const worker: Service = { command: 'worker', after: ['web'] };
    const sets: Record<string, DesiredSet> = {
      a: { web, worker },
      t: { web, worker: { ...worker, after: ['wbe'] } },
      c: { web: { ...web, after: ['worker'] }, worker },
      // What the first set said: the kept daemons are its own, so nothing changes.
      d: { web, worker },
    };
    const driver = new FakeDriver();
    const events: ManagerEvent[] = [];
    inVirtualTime(({ cold }) => {
      // Each later set applied 500 ms after it comes (M2): at 1.5, 2.5 and 3.5 s.
      manage(cold('a 999ms t 999ms c 999ms d', sets), { driver, kill$: cold('5s k') }).subscribe((event) => events.push(event));
    });
    expect(events.map(eventLine).filter((event) => /^(spawning|stopping|invalid-entry):/.test(event))).toEqual([
      'spawning:web@0',
      'spawning:worker@0',
      'invalid-entry:worker@1500',
      'invalid-entry:web@2500',
      'invalid-entry:worker@2500',
      'stopping:worker@5000',
      'stopping:web@5000',
    ]);
    expect(events.filter((event) => event.type === 'invalid-entry').map((event) => ('message' in event ? event.message : ''))).toEqual([
      '`after` names "wbe", not in the desired set; kept as the last set had it',
      'a cycle in `after`: web → worker → web; kept as the last set had it',
      'a cycle in `after`: web → worker → web; kept as the last set had it',
    ]);
    expect(events.filter((event) => event.type === 'reconcile').slice(1)).toEqual(
      [1500, 2500, 3500].map((at) => ({ type: 'reconcile', at, started: [], stopped: [], replaced: [], unchanged: 2 })),
    );
    expect(driver.spawns).toHaveLength(2);
  });

  it('checkOrder is pure and names the longer cycle whole', () => {
    const services = new Map<string, Service>([
      ['x', { command: 'x', after: ['y'] }],
      ['y', { command: 'y', after: ['z'] }],
      ['z', { command: 'z', after: ['x'] }],
      ['free', { command: 'free' }],
    ]);
    const { runnable, problems } = checkOrder(services);
    expect([...runnable.keys()]).toEqual(['free']);
    expect(problems.map(({ message }) => message)).toEqual(Array(3).fill('a cycle in `after`: x → y → z → x'));
  });

  it('states$ shows who waits for whom', () => {
    const scheduler = testScheduler();
    const desired$: Observable<DesiredSet> = of({ app: { command: 'app', after: ['db'] }, db: { command: 'db', ready: { check: readyAt(500), intervalMs: 100 } } });
    const manager = new Manager(desired$, { driver: new FakeDriver({}, { scheduler }), scheduler });
    const seen: string[] = [];
    manager.states$.subscribe((states) => {
      const app = states.get('app');
      if (app !== undefined) seen.push(`${app.status}${app.waitingFor === undefined ? '' : ` for ${app.waitingFor.join(',')}`}`);
    });
    manager.run();
    scheduler.flush();
    expect(seen[0]).toBe('idle for db');
    expect(seen).toContain('running');
  });
});
