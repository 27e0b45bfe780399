import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from '../../lib/policy/exponential-backoff.js';
import { stateOf } from '../helpers/policy.js';

const next = (policy: ReturnType<typeof exponentialBackoff>, attempt: number) => policy.next(stateOf(attempt));

describe('exponentialBackoff', () => {
  it('spawns the first attempt at once, then base × factor^(n−2), capped', () => {
    const policy = exponentialBackoff({ baseDelayMs: 100, factor: 3, maxDelayMs: 2_000 });
    expect([1, 2, 3, 4, 5, 6].map((attempt) => next(policy, attempt))).toEqual(
      [0, 100, 300, 900, 2_000, 2_000].map((delayMs) => ({ kind: 'spawn', delayMs })),
    );
  });

  it('gives up after maxAttempts consecutive attempts', () => {
    const policy = exponentialBackoff({ maxAttempts: 3 });
    expect(next(policy, 3)).toEqual({ kind: 'spawn', delayMs: 2_000 });
    expect(next(policy, 4)).toEqual({ kind: 'give-up', reason: 'attempts-exhausted' });
  });

  it('full jitter stays within [0, delay] and uses the random source it is given', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const capped = Math.min(60_000, 1_000 * 2 ** (attempt - 2));
        const decision = next(exponentialBackoff({ jitter: 'full', random: () => r }), attempt);
        expect(decision.kind).toBe('spawn');
        const delayMs = decision.kind === 'spawn' ? decision.delayMs : -1;
        expect(delayMs).toBeGreaterThanOrEqual(0);
        expect(delayMs).toBeLessThanOrEqual(capped);
        expect(delayMs).toBe(Math.floor(r * capped));
      }),
    );
  });

  it('equal jitter stays within [delay/2, delay]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const capped = Math.min(60_000, 1_000 * 2 ** (attempt - 2));
        const decision = next(exponentialBackoff({ jitter: 'equal', random: () => r }), attempt);
        const delayMs = decision.kind === 'spawn' ? decision.delayMs : -1;
        expect(delayMs).toBeGreaterThanOrEqual(Math.floor(capped / 2));
        expect(delayMs).toBeLessThanOrEqual(capped);
      }),
    );
  });

  it('the extremes of the random source give the bounds exactly', () => {
    expect(next(exponentialBackoff({ jitter: 'full', random: () => 0 }), 4)).toEqual({ kind: 'spawn', delayMs: 0 });
    expect(next(exponentialBackoff({ jitter: 'equal', random: () => 0 }), 4)).toEqual({ kind: 'spawn', delayMs: 2_000 });
    expect(next(exponentialBackoff({ jitter: 'equal', random: () => 0.999_999 }), 4)).toEqual({ kind: 'spawn', delayMs: 3_999 });
  });

  it('refuses a factor below 1 and a zero maxAttempts', () => {
    expect(() => exponentialBackoff({ factor: 0.5 })).toThrow('Expected the `factor` option to be a finite number >= 1, got `0.5` (number).');
    expect(() => exponentialBackoff({ maxAttempts: 0 })).toThrow('Expected the `maxAttempts` option to be a positive integer, got `0` (number).');
  });
});
