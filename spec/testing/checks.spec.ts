import { filter, firstValueFrom, map, tap, timer, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { CheckTarget } from '../../lib/checks/check.js';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DaemonEvent } from '../../lib/events.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { restartOn } from '../../lib/policy/restart-on.js';
import type { Script } from '../../lib/testing/script.js';
import { testKit } from '../../lib/testing/test-kit.js';
import { testScheduler } from '../helpers/virtual-time.js';

const kit = (script?: Script) => testKit(testScheduler(), script);

// The events of readiness and health, and the ends of runs, as `type` or `type:reason`.
const CHECKED = new Set(['spawning', 'adopted', 'ready', 'not-ready', 'health-failed', 'unhealthy', 'exited', 'completed']);
const checked = (events$: Observable<DaemonEvent>): Observable<string> =>
  events$.pipe(
    filter((event) => CHECKED.has(event.type)),
    map((event) => (event.type === 'exited' && event.reason !== undefined ? `exited:${event.reason}` : event.type)),
  );

const never = restartOn(consulBackoff(), { when: 'never' });

describe('FakeDriver readiness: readyAfterMs and driver.check', () => {
  it('is ready exactly at the scripted time, counted from the spawn', () => {
    const { scheduler, driver, options } = kit({ readyAfterMs: 300 });
    scheduler.run(({ expectObservable }) => {
      const events$ = supervise({ command: 'x' }, { ...options, ready: { check: driver.check, intervalMs: 100 } });
      expectObservable(checked(events$), '^ 10s !').toBe('s 299ms r', { s: 'spawning', r: 'ready' });
    });
  });

  it('is ready at once without readyAfterMs', () => {
    const { scheduler, driver, options } = kit({});
    scheduler.run(({ expectObservable }) => {
      const events$ = supervise({ command: 'x' }, { ...options, ready: { check: driver.check } });
      expectObservable(checked(events$), '^ 10s !').toBe('(sr)', { s: 'spawning', r: 'ready' });
    });
  });

  it('is seen ready at the first attempt at or after the scripted time: the check decides, not the script', () => {
    const { scheduler, driver, options } = kit({ readyAfterMs: 250 });
    scheduler.run(({ expectObservable }) => {
      const events$ = supervise({ command: 'x' }, { ...options, ready: { check: driver.check, intervalMs: 100 } });
      expectObservable(checked(events$), '^ 10s !').toBe('s 299ms r', { s: 'spawning', r: 'ready' });
    });
  });

  it('a process ready later than timeoutMs is `not-ready` exactly at timeoutMs, then stopped, and the policy’s delay passes before the next spawn', () => {
    // The first spawn would be ready after 10 s; the second after 1 s.
    const { scheduler, driver, options } = kit((spawn) => ({ readyAfterMs: spawn === 1 ? 10_000 : 1_000 }));
    const events: DaemonEvent[] = [];
    scheduler.run(({ expectObservable }) => {
      const events$ = supervise(
        { command: 'x' },
        { ...options, ready: { check: driver.check, timeoutMs: 5_000 }, restart: restartOn(consulBackoff({ freeAttempts: 1 }), { when: 'on-failure' }) },
      ).pipe(tap((event) => events.push(event)));
      // consulBackoff after its one free attempt: 2 s before attempt 2; that one is ready 1 s after its spawn.
      expectObservable(checked(events$), '^ 20s !').toBe('s 4999ms (nx) 1996ms s 999ms r', { s: 'spawning', n: 'not-ready', x: 'exited:not-ready', r: 'ready' });
    });
    expect(events.find((event) => event.type === 'not-ready')).toMatchObject({ afterMs: 5_000, error: { code: 'ENOTREADY', message: 'not ready yet (ready at 10000 ms)' } });
    expect(events.map((event) => `${event.type}@${event.at}`).slice(2, 7)).toEqual(['not-ready@5000', 'stopping@5000', 'exited@5000', 'backoff@5000', 'spawning@7000']);
    expect(driver.signals.filter(({ at }) => at < 20_000).map(({ signal, at }) => `${signal}@${at}`)).toEqual(['SIGINT@5000']);
  });
});

describe('FakeDriver health: unhealthyAfterMs and driver.check', () => {
  const health = { intervalMs: 1_000, timeoutMs: 500, failures: 3 };

  it('turns unhealthy `failures` health intervals after unhealthyAfterMs passes (counted from ready), then the stop and the policy', () => {
    // Ready at 200; unhealthy from 4.7 s: the attempts at 5.2, 6.2 and 7.2 s fail. The second run stays healthy.
    const { scheduler, driver, options } = kit((spawn) => (spawn === 1 ? { readyAfterMs: 200, unhealthyAfterMs: 4_500 } : { readyAfterMs: 200 }));
    const events: DaemonEvent[] = [];
    scheduler.run(({ expectObservable }) => {
      const events$ = supervise({ command: 'x' }, { ...options, ready: { check: driver.check, intervalMs: 100 }, health: { check: driver.check, ...health } }).pipe(
        tap((event) => events.push(event)),
      );
      expectObservable(checked(events$), '^ 20s !').toBe('s 199ms r 4999ms f 999ms f 999ms (fuxs) 194ms r', {
        s: 'spawning',
        r: 'ready',
        f: 'health-failed',
        u: 'unhealthy',
        x: 'exited:unhealthy',
      });
    });
    const failed = events.filter((event) => event.type === 'health-failed');
    expect(failed.map((event) => [event.failures, event.error])).toEqual([1, 2, 3].map((failures) => [failures, { code: 'EUNHEALTHY', message: 'unhealthy since 4700 ms' }]));
  });

  it('fails no health attempt before unhealthyAfterMs, and none ever without it', () => {
    const { scheduler, driver, options } = kit({ byId: { sick: { unhealthyAfterMs: 60_000 }, well: {} } });
    scheduler.run(({ expectObservable }) => {
      const of = (id: string) => checked(supervise({ command: id, id }, { ...options, ready: { check: driver.check }, health: { check: driver.check, ...health }, restart: never }));
      expectObservable(of('sick'), '^ 70s !').toBe('(sr) 59996ms f 999ms f 999ms (fuxc|)', { s: 'spawning', r: 'ready', f: 'health-failed', u: 'unhealthy', x: 'exited:unhealthy', c: 'completed' });
      expectObservable(of('well'), '^ 70s !').toBe('(sr)', { s: 'spawning', r: 'ready' });
    });
  });

  it('an adopted process is checked again: ready readyAfterMs after it was added, unhealthy as its own script says', () => {
    const { scheduler, driver, options } = kit();
    scheduler.run(({ expectObservable }) => {
      const adoptee = driver.addProcess({ readyAfterMs: 400, unhealthyAfterMs: 2_000 });
      const events$ = supervise(
        { command: 'x' },
        { ...options, adopt: { pid: adoptee.pid, startTime: adoptee.startTime }, ready: { check: driver.check, intervalMs: 100 }, health: { check: driver.check, ...health, failures: 1 }, restart: never },
      );
      // Unhealthy from 2.4 s: the health attempt then (every second from ready at 0.4 s) fails; the adopted process's exit is seen at the next poll.
      expectObservable(checked(events$), '^ 10s !').toBe('a 399ms r 1999ms (fu) 6ms (xc|)', { a: 'adopted', r: 'ready', f: 'health-failed', u: 'unhealthy', x: 'exited:unhealthy', c: 'completed' });
    });
  });
});

describe('driver.check on its own', () => {
  const attempt = (check: (target: CheckTarget) => unknown, target: CheckTarget): Promise<unknown> => firstValueFrom(check(target) as Observable<unknown>).catch((error: unknown) => error);

  it('needs no `this`, and tells a gone process, a reused pid and a pid it never had apart', async () => {
    const { scheduler, driver } = kit();
    const { check } = driver;
    const sick = driver.addProcess({ unhealthyAfterMs: 0 });
    const gone = driver.addProcess();
    driver.end(gone.pid, { code: 0, signal: null });
    const reused = driver.addProcess({ readyAfterMs: 1_000 });
    driver.reusePid(reused.pid);
    const target = (pid: number): CheckTarget => ({ pid, scheduler });
    expect(await attempt(check, target(sick.pid))).toMatchObject({ code: 'EUNHEALTHY', message: 'unhealthy since 0 ms' });
    expect(await attempt(check, target(gone.pid))).toMatchObject({ code: 'ESRCH', message: `process ${gone.pid} is gone` });
    // The newcomer at a reused pid has no script of its own: it passes.
    expect(await attempt(check, target(reused.pid))).toBe(reused.pid);
    expect(await attempt(check, target(4_242))).toMatchObject({ code: 'ESRCH', message: 'no process of this FakeDriver has pid 4242' });
  });

  it('refuses a bad time in a script, naming it: addProcess throws a TypeError, a spawn fails', () => {
    const { driver } = kit();
    expect(() => driver.addProcess({ readyAfterMs: -1 })).toThrow(new TypeError('Expected the `readyAfterMs` option to be a non-negative integer, got `-1` (number).'));
    const { scheduler, options } = kit({ unhealthyAfterMs: 1.5 });
    const failures: unknown[] = [];
    scheduler.run(() => {
      supervise({ command: 'x' }, { ...options, stop$: timer(10) }).subscribe((event) => {
        if (event.type === 'spawn-failed') failures.push(event.error.message);
      });
    });
    expect(failures[0]).toBe('Expected the `unhealthyAfterMs` option to be a non-negative integer, got `1.5` (number).');
  });
});
