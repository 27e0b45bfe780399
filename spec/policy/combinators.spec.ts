import { filter, map, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DaemonEvent } from '../../lib/events.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { limitRestarts } from '../../lib/policy/limit-restarts.js';
import type { RestartPolicy } from '../../lib/policy/restart-policy.js';
import { withJitter } from '../../lib/policy/with-jitter.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { decide, stateOf } from '../helpers/policy.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

describe('withJitter', () => {
  it('spreads consulBackoff’s delays: full over [0, d), equal over [d/2, d); immediate restarts stay immediate', () => {
    const delays = (policy: RestartPolicy) => [1, 2, 3, 4, 5].map((attempt) => policy.next(stateOf(attempt)));
    expect(delays(withJitter(consulBackoff(), 'full', () => 0.5))).toEqual([0, 0, 0, 1_000, 2_000].map((delayMs) => ({ kind: 'spawn', delayMs })));
    expect(delays(withJitter(consulBackoff(), 'equal', () => 0))).toEqual([0, 0, 0, 1_000, 2_000].map((delayMs) => ({ kind: 'spawn', delayMs })));
    expect(withJitter(consulBackoff({ stableAfterMs: 3_000 }), 'full').stableAfterMs).toBe(3_000);
  });

  it('in virtual time: the fourth spawn of a crash loop comes after the jittered 2 s', () => {
    inVirtualTime(({ expectObservable }) => {
      const driver = new FakeDriver({ exitAfterMs: 0, exitCode: 1 });
      const spawns$ = supervise({ command: 'x' }, { driver, restart: withJitter(consulBackoff(), 'equal', () => 0.5) }).pipe(
        filter((event) => event.type === 'spawning'),
        map((event) => event.attempt),
        take(4),
      );
      // equal jitter of 2000 with 0.5: 1000 + 500 = 1500.
      expectObservable(spawns$).toBe('(abc) 1495ms (d|)', { a: 1, b: 2, c: 3, d: 4 });
    });
  });

  it('refuses a jitter it does not know', () => {
    expect(() => withJitter(consulBackoff(), 'none' as never)).toThrow('Expected the `jitter` option to be one of `full`, `equal`, got `none` (string).');
  });
});

describe('limitRestarts', () => {
  it('gives up rather than make the max + 1-th restart within the window, and keeps its memory as a value', () => {
    const policy = limitRestarts(consulBackoff(), { max: 3, withinMs: 60_000 });
    expect(decide(policy, [0, 1_000, 2_000, 3_000])).toEqual(['spawn', 'spawn', 'spawn', 'give-up']);
    // The decision names the limit that ran out, for a gave-up that says which.
    expect(policy.next(stateOf(1, { now: 3_000, memory: { times: [0, 1_000, 2_000], inner: undefined } }))).toEqual({ kind: 'give-up', reason: 'restarts-exhausted', limit: { max: 3, withinMs: 60_000 } });
    expect(policy.next(stateOf(1, { now: 0 }))).toMatchObject({ kind: 'spawn', memory: { times: [0] } });
    expect(limitRestarts(consulBackoff(), { max: 1, withinMs: 10 }).next(stateOf(1))).not.toHaveProperty('reason');
  });

  it('forgets restarts older than the window', () => {
    const policy = limitRestarts(consulBackoff(), { max: 2, withinMs: 10_000 });
    expect(decide(policy, [0, 5_000, 10_001, 15_002, 15_003])).toEqual(['spawn', 'spawn', 'spawn', 'spawn', 'give-up']);
  });

  it('passes the wrapped policy its own memory back', () => {
    const seen: unknown[] = [];
    const counting: RestartPolicy = {
      stableAfterMs: 10_000,
      next: (state) => {
        seen.push(state.memory);
        return { kind: 'spawn', delayMs: 0, memory: ((state.memory as number | undefined) ?? 0) + 1 };
      },
    };
    decide(limitRestarts(counting, { max: 10, withinMs: 1_000 }), [0, 1, 2]);
    expect(seen).toEqual([undefined, 1, 2]);
  });

  it('in virtual time: "at most 5 restarts in 60 s" ends a crash loop with gave-up, restarts-exhausted, after the 6th spawn', () => {
    const events: DaemonEvent[] = [];
    inVirtualTime(() => {
      const driver = new FakeDriver({ exitAfterMs: 100, exitCode: 1 });
      supervise({ command: 'x', id: 'w' }, { driver, restart: limitRestarts(consulBackoff(), { max: 5, withinMs: 60_000 }), pidFile: '/p' }).subscribe((event) => events.push(event));
    });
    const spawns = events.filter((event) => event.type === 'spawning').map((event) => event.at);
    // 0, 100, 200 at once; then 2 s and 4 s of backoff; the 6th spawn's end would be the 6th restart.
    expect(spawns).toEqual([0, 100, 200, 2_300, 6_400, 14_500]);
    expect(events.at(-1)).toEqual({ type: 'gave-up', at: 14_600, id: 'w', attempts: 6, reason: 'restarts-exhausted', limit: { max: 5, withinMs: 60_000 } });
  });

  it('refuses a max or window that is not positive', () => {
    expect(() => limitRestarts(consulBackoff(), { max: 0, withinMs: 1 })).toThrow('Expected the `max` option to be a positive integer');
    expect(() => limitRestarts(consulBackoff(), { max: 1, withinMs: 0 })).toThrow('Expected the `withinMs` option to be an integer number of ms between 1');
  });
});
