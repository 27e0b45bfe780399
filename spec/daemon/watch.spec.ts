import { NEVER, Observable, of, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../lib/checks/check.js';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DaemonEvent } from '../../lib/events.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { restartOn } from '../../lib/policy/restart-on.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { hangingCheck } from '../checks/helpers.js';
import { inVirtualTime, timeline } from '../helpers/virtual-time.js';

/** Passes once the scheduler's clock reaches `at` ms after the process started (as the pid tells: one start per pid here). */
const passesAfter = (ms: number): Check => {
  const since = new Map<number, number>();
  return ({ pid, scheduler }) => {
    const start = since.get(pid) ?? scheduler.now();
    since.set(pid, start);
    return scheduler.now() - start >= ms ? of(true) : throwError(() => new Error(`not yet (${scheduler.now() - start} ms)`));
  };
};

/** Fails when `failing` says so of the scheduler's clock, passes otherwise. */
const failsAt =
  (failing: (now: number) => boolean): Check =>
  ({ scheduler }) =>
    failing(scheduler.now()) ? throwError(() => new Error('503')) : of('ok');

describe('readiness', () => {
  it('is `ready` once the check passes, tried at once and every intervalMs; stable counts from then on', () => {
    const seen = timeline(supervise({ command: 'x' }, { driver: new FakeDriver(), ready: { check: passesAfter(250), intervalMs: 100 }, stop$: timer(20_000) }));
    expect(seen.slice(0, 4)).toEqual(['spawning@0', 'started@0', 'ready@300', 'stable@10000']);
  });

  it('a process that is never ready is `not-ready` exactly at timeoutMs, then stopped gracefully, and the policy decides (a failure)', () => {
    const events: DaemonEvent[] = [];
    inVirtualTime(() => {
      supervise(
        { command: 'x' },
        { driver: new FakeDriver(), ready: { check: () => throwError(() => new Error('connection refused')), timeoutMs: 5_000 }, restart: restartOn(consulBackoff({ freeAttempts: 1 }), { when: 'on-failure' }), stop$: timer(8_000) },
      ).subscribe((event) => events.push(event));
    });
    const lines = events.map((event) => `${event.type}@${event.at}`);
    expect(lines.slice(0, 7)).toEqual(['spawning@0', 'started@0', 'not-ready@5000', 'stopping@5000', 'exited@5000', 'backoff@5000', 'spawning@7000']);
    expect(events[2]).toMatchObject({ type: 'not-ready', afterMs: 5_000, error: { message: 'connection refused' } });
    expect(events[4]).toMatchObject({ type: 'exited', requested: true, reason: 'not-ready' });
  });

  it('a hung attempt is cut by the timeout too', () => {
    const seen = timeline(supervise({ command: 'x' }, { driver: new FakeDriver(), ready: { check: () => NEVER, timeoutMs: 1_000 }, restart: restartOn(consulBackoff(), { when: 'never' }) }));
    expect(seen).toEqual(['spawning@0', 'started@0', 'not-ready@1000', 'stopping@1000', 'exited@1000', 'completed@1000']);
  });

  it('a silent attempt is cut at attemptTimeoutMs and the next one tried: a server that answers late is still ready in time', () => {
    let attempts = 0;
    const silentOnce: Check = ({ scheduler }) => (++attempts === 1 ? NEVER : timer(10, scheduler));
    const seen = timeline(supervise({ command: 'x' }, { driver: new FakeDriver(), ready: { check: silentOnce, attemptTimeoutMs: 2_000, intervalMs: 100 }, stop$: timer(5_000) }));
    expect(seen.slice(0, 3)).toEqual(['spawning@0', 'started@0', 'ready@2110']);
  });

  it('a stop during readiness stops at once, and the check is let go', () => {
    const hangs = hangingCheck();
    const seen = timeline(supervise({ command: 'x' }, { driver: new FakeDriver(), ready: { check: hangs.check }, stop$: timer(500) }));
    expect(seen).toEqual(['spawning@0', 'started@0', 'stopping@500', 'exited@500', 'stopped@500']);
    expect(hangs.active()).toBe(0);
  });

  it('an adopted process is checked again before it counts as running', () => {
    const driver = new FakeDriver();
    const seen: string[] = [];
    inVirtualTime(() => {
      const adoptee = driver.addProcess();
      supervise({ command: 'x' }, { driver, adopt: { pid: adoptee.pid, startTime: adoptee.startTime }, ready: { check: passesAfter(150), intervalMs: 50 }, stop$: timer(1_000) }).subscribe(
        (event) => seen.push(`${event.type}@${event.at}`),
      );
    });
    expect(seen.slice(0, 2)).toEqual(['adopted@0', 'ready@150']);
  });
});

describe('health', () => {
  const health = (check: Check) => ({ check, intervalMs: 1_000, timeoutMs: 500, failures: 3 });

  it('failures in a row make it unhealthy, then a graceful stop and the policy decides', () => {
    // Fails from 3.5 s on: attempts at 4, 5, 6 s fail.
    const events: DaemonEvent[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver: new FakeDriver(), health: health(failsAt((now) => now > 3_500)), restart: restartOn(consulBackoff(), { when: 'never' }) }).subscribe((event) =>
        events.push(event),
      );
    });
    expect(events.map((event) => `${event.type}@${event.at}`)).toEqual([
      'spawning@0',
      'started@0',
      'ready@0',
      'health-failed@4000',
      'health-failed@5000',
      'health-failed@6000',
      'unhealthy@6000',
      'stopping@6000',
      'exited@6000',
      'completed@6000',
    ]);
    expect(events.filter((event) => event.type === 'health-failed').map((event) => 'failures' in event && event.failures)).toEqual([1, 2, 3]);
    expect(events.find((event) => event.type === 'exited')).toMatchObject({ requested: true, reason: 'unhealthy' });
  });

  it('fewer failures, or failures that are not in a row, are not unhealthy', () => {
    // Fails at 2 and 3 s, passes at 4 s, fails at 5 and 6 s: never three in a row.
    const failing = new Set([2_000, 3_000, 5_000, 6_000]);
    const seen = timeline(supervise({ command: 'x' }, { driver: new FakeDriver(), health: health(failsAt((now) => failing.has(now))), stop$: timer(9_500) }));
    expect(seen.filter((event) => event.startsWith('health') || event.startsWith('unhealthy'))).toEqual([
      'health-failed@2000',
      'health-failed@3000',
      'health-failed@5000',
      'health-failed@6000',
    ]);
    expect(seen.at(-1)).toBe('stopped@9500');
  });

  it('an attempt slower than timeoutMs fails, and is let go', () => {
    let active = 0;
    const slow: Check = ({ scheduler }) =>
      new Observable<number>((subscriber) => {
        active++;
        const done = timer(800, scheduler).subscribe(subscriber);
        return () => {
          active--;
          done.unsubscribe();
        };
      });
    const events: DaemonEvent[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver: new FakeDriver(), health: health(slow), stop$: timer(2_900) }).subscribe((event) => events.push(event));
    });
    expect(events.filter((event) => event.type === 'health-failed').map((event) => `${event.at}:${'error' in event ? event.error.message : ''}`)).toEqual([
      '1500:no answer within 500 ms',
      '2500:no answer within 500 ms',
    ]);
    expect(active).toBe(0);
  });

  it('a stop while a health check runs is not delayed by it', () => {
    const seen = timeline(supervise({ command: 'x' }, { driver: new FakeDriver(), health: { check: () => NEVER, intervalMs: 100, timeoutMs: 60_000 }, stop$: timer(150) }));
    expect(seen).toEqual(['spawning@0', 'started@0', 'ready@0', 'stopping@150', 'exited@150', 'stopped@150']);
  });
});
