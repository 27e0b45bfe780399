import { of, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../lib/checks/check.js';
import { readiness$ } from '../../lib/daemon/readiness.js';
import { testScheduler } from '../helpers/virtual-time.js';

/** The ready options as resolved, with the defaults a test does not care about. */
const ready = (check: Check, timeoutMs: number) => ({ check, intervalMs: 100, timeoutMs, attemptTimeoutMs: 5_000 });

describe('readiness$', () => {
  it('is ready without a check, at once', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      expectObservable(readiness$(undefined, { pid: 2, scheduler })).toBe('(r|)', { r: { kind: 'ready' } });
    });
  });

  it('tries at once, then 100 ms after each failure, and ends ready at the first pass', () => {
    const scheduler = testScheduler();
    let attempts = 0;
    const third: Check = () => (++attempts < 3 ? throwError(() => new Error(`refused ${attempts}`)) : of(true));
    scheduler.run(({ expectObservable }) => {
      expectObservable(readiness$(ready(third, 1_000), { pid: 2, scheduler })).toBe('200ms (r|)', { r: { kind: 'ready' } });
    });
  });

  it('past its timeout is not ready, with the last failure seen, not the first', () => {
    const scheduler = testScheduler();
    const failing: Check = ({ scheduler: clock }) => throwError(() => new Error(`refused at ${clock.now()}`));
    scheduler.run(({ expectObservable }) => {
      expectObservable(readiness$(ready(failing, 250), { pid: 2, scheduler })).toBe('250ms (n|)', { n: { kind: 'not-ready', error: { code: 'EUNKNOWN', message: 'refused at 200' } } });
    });
  });

  it('past its timeout with no attempt finished, says so, and lets the hung attempt go', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable, cold, expectSubscriptions }) => {
      const hung = cold('-');
      expectObservable(readiness$(ready(() => hung, 300), { pid: 2, scheduler })).toBe('300ms (n|)', {
        n: { kind: 'not-ready', error: { code: 'ETIMEDOUT', message: 'no attempt finished within 300 ms' } },
      });
      expectSubscriptions(hung.subscriptions).toBe('^ 299ms !');
    });
  });

  it('a pass that comes before the timeout ends the wait, and the timeout is let go', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const slow: Check = ({ scheduler: clock }) => timer(150, clock);
      expectObservable(readiness$(ready(slow, 1_000), { pid: 2, scheduler })).toBe('150ms (r|)', { r: { kind: 'ready' } });
    });
    expect(scheduler.actions).toEqual([]);
  });
});
