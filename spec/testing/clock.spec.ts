import { asyncScheduler, filter, map, of, timer, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DaemonEvent } from '../../lib/events.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import { restartOn } from '../../lib/policy/restart-on.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { testKit } from '../../lib/testing/test-kit.js';
import { testScheduler } from '../helpers/virtual-time.js';

const once = restartOn(consulBackoff(), { when: 'on-failure' });
// A run's beginning and end, whatever else (readiness, stability) it reports between.
const LIFE = new Set(['spawning', 'started', 'exited', 'completed', 'manager-stopped']);
const life = <E extends DaemonEvent | ManagerEvent>(events$: Observable<E>): Observable<E> => events$.pipe(filter((event) => LIFE.has(event.type)));
const collect = (events$: Observable<DaemonEvent | ManagerEvent>, into: string[]) => life(events$).subscribe((event) => into.push(`${event.type}@${event.at}`));

describe('FakeDriver: its clock is the pipeline’s', () => {
  it('a FakeDriver made without a scheduler takes the daemon’s: its process exits in the daemon’s time', () => {
    const scheduler = testScheduler();
    const seen: string[] = [];
    collect(supervise({ command: 'x' }, { driver: new FakeDriver({ exitAfterMs: 100 }), scheduler, restart: once }), seen);
    scheduler.flush();
    expect(seen).toEqual(['spawning@0', 'started@0', 'exited@100', 'completed@100']);
  });

  it('also inside the run() of another TestScheduler', () => {
    const own = testScheduler();
    const seen: string[] = [];
    testScheduler().run(() => {
      collect(supervise({ command: 'x' }, { driver: new FakeDriver({ exitAfterMs: 100 }), scheduler: own, restart: once }), seen);
      own.flush();
    });
    expect(seen).toEqual(['spawning@0', 'started@0', 'exited@100', 'completed@100']);
  });

  it('a manager’s scheduler, likewise, and its daemons share it', () => {
    const scheduler = testScheduler();
    const seen: string[] = [];
    const driver = new FakeDriver({ exitAfterMs: 100 });
    collect(manage(of({ a: { command: 'a', restart: once }, b: { command: 'b', restart: once } }), { driver, scheduler, kill$: timer(1_000, scheduler) }), seen);
    scheduler.flush();
    expect(seen.filter((event) => event.startsWith('completed'))).toEqual(['completed@100', 'completed@100']);
    expect(seen.at(-1)).toBe('manager-stopped@1000');
  });

  it('is refused with a TypeError, at once, by a daemon on another scheduler than its own', () => {
    const driver = new FakeDriver({}, { scheduler: testScheduler() });
    expect(() => supervise({ command: 'x' }, { driver, scheduler: testScheduler() })).toThrow(
      new TypeError(
        "This FakeDriver runs on another scheduler than the daemon's or manager's (it has the one of the FakeDriver's own options), so its processes would never end in their time. Give both the same scheduler, or take both from testKit().",
      ),
    );
  });

  it('keeps the scheduler it took first: a second daemon on another one is refused, one on the same is not', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver();
    expect(() => new Daemon({ command: 'a' }, { driver, scheduler })).not.toThrow();
    expect(() => new Daemon({ command: 'b' }, { driver, scheduler })).not.toThrow();
    expect(() => new Daemon({ command: 'c' }, { driver })).toThrow(/it has the one of the options of the first daemon or manager that used it/);
  });

  it('used before any daemon (a process added to adopt), it runs on asyncScheduler for good', () => {
    const driver = new FakeDriver();
    driver.addProcess();
    expect(() => new Daemon({ command: 'x' }, { driver, scheduler: asyncScheduler })).not.toThrow();
    expect(() => new Daemon({ command: 'x' }, { driver, scheduler: testScheduler() })).toThrow(/it has the one of asyncScheduler, taken at its use before any daemon/);
  });
});

describe('testKit', () => {
  it('returns a scheduler and a driver on it, as options to spread', () => {
    const scheduler = testScheduler();
    const kit = testKit(scheduler, { exitAfterMs: 50, exitCode: 3 });
    expect(kit.options).toEqual({ scheduler, driver: kit.driver });
    expect(kit.scheduler).toBe(scheduler);
    kit.scheduler.run(({ expectObservable }) => {
      const ends$ = life(supervise({ command: 'x' }, { ...kit.options, restart: restartOn(consulBackoff(), { when: 'never' }) })).pipe(
        map((event) => (event.type === 'exited' || event.type === 'completed' ? `${event.type}:${String(event.code)}` : event.type)),
      );
      expectObservable(ends$).toBe('(ab) 46ms (cd|)', { a: 'spawning', b: 'started', c: 'exited:3', d: 'completed:3' });
    });
  });

  it('without a scheduler, makes a TestScheduler that asserts with deepStrictEqual, and whose flush() runs to the end', () => {
    const { scheduler, options } = testKit({ exitAfterMs: 600_000 });
    const seen: string[] = [];
    collect(supervise({ command: 'x' }, { ...options, restart: once }), seen);
    scheduler.flush();
    expect(seen.at(-1)).toBe('completed@600000');
    expect(() => {
      scheduler.run(({ expectObservable }) => {
        expectObservable(of(1)).toBe('(a|)', { a: 2 });
      });
    }).toThrow(/Expected values to be strictly deep-equal/);
  });
});
