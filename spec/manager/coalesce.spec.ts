import { asyncScheduler, interval, map, take } from 'rxjs';
import { describe, it } from 'vitest';
import { coalesce } from '../../lib/manager/coalesce.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

describe('coalesce (M2)', () => {
  it('a burst of changes gives one value, the latest, after 500 ms of quiet', () => {
    inVirtualTime(({ cold, expectObservable, expectSubscriptions }) => {
      const changes = cold('a 99ms b 99ms c 999ms |');
      expectObservable(changes.pipe(coalesce({ quietMs: 500, maxWaitMs: 5_000 }, asyncScheduler))).toBe('700ms c 499ms |');
      expectSubscriptions(changes.subscriptions).toBe('^ 1199ms !');
    });
  });

  it('two bursts apart give two values', () => {
    inVirtualTime(({ cold, expectObservable }) => {
      const changes = cold('a 9ms b 1999ms c 9ms d 2999ms |');
      // b (at 10) settles at 510; d (at 2020) at 2520.
      expectObservable(changes.pipe(coalesce({ quietMs: 500, maxWaitMs: 5_000 }, asyncScheduler))).toBe('510ms b 2009ms d 2499ms |');
    });
  });

  it('the 5 s cap holds under a steady stream of changes', () => {
    inVirtualTime(({ expectObservable }) => {
      // A change every 100 ms for 12 s: never 500 ms of quiet.
      const steady$ = interval(100, asyncScheduler).pipe(
        take(120),
        map((n) => n + 1),
      );
      // First change at 100: flushed at 5100 (with change 51), then 10200 (102), then 500 ms after the last (12000).
      expectObservable(steady$.pipe(coalesce({ quietMs: 500, maxWaitMs: 5_000 }, asyncScheduler))).toBe('5100ms a 5099ms b 1799ms (c|)', { a: 51, b: 102, c: 120 });
    });
  });

  it('emits what is pending when the source completes', () => {
    inVirtualTime(({ cold, expectObservable }) => {
      expectObservable(cold('a 10ms |').pipe(coalesce({ quietMs: 500, maxWaitMs: 5_000 }, asyncScheduler))).toBe('11ms (a|)');
    });
  });
});

describe('coalesce: errors', () => {
  it('passes an error on at once, dropping what is pending', () => {
    inVirtualTime(({ cold, expectObservable }) => {
      expectObservable(cold('a 10ms #').pipe(coalesce({ quietMs: 500, maxWaitMs: 5_000 }, asyncScheduler))).toBe('11ms #');
    });
  });
});
