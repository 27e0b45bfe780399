import { describe, expect, it } from 'vitest';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { stateOf } from '../helpers/policy.js';

const delays = (policy = consulBackoff(), attempts = 12): (number | string)[] =>
  Array.from({ length: attempts }, (_, i) => {
    const decision = policy.next(stateOf(i + 1));
    return decision.kind === 'spawn' ? decision.delayMs : decision.kind;
  });

describe('consulBackoff', () => {
  it('R1: three free attempts, then 2, 4, 8, 16, 32 s, capped at 60 s', () => {
    expect(delays()).toEqual([0, 0, 0, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  });

  it('takes every number of the reference as an option', () => {
    const policy = consulBackoff({ freeAttempts: 1, baseDelayMs: 100, maxDelayMs: 500, stableAfterMs: 3_000 });
    expect(delays(policy, 6)).toEqual([0, 200, 400, 500, 500, 500]);
    expect(policy.stableAfterMs).toBe(3_000);
  });

  it('stays finite however long the crash loop runs', () => {
    const decision = consulBackoff().next(stateOf(1e9));
    expect(decision).toEqual({ kind: 'spawn', delayMs: 60_000 });
  });

  it('is stable after 10 s by default', () => {
    expect(consulBackoff().stableAfterMs).toBe(10_000);
  });

  it.each([
    [{ baseDelayMs: -1 }, 'Expected the `baseDelayMs` option to be an integer number of ms between 0 and 2147483647, got `-1` (number).'],
    [{ stableAfterMs: 0 }, 'Expected the `stableAfterMs` option to be an integer number of ms between 1 and 2147483647, got `0` (number).'],
    [{ maxDelayMs: 2 ** 31 }, 'Expected the `maxDelayMs` option to be an integer number of ms between 0 and 2147483647, got `2147483648` (number).'],
    [{ freeAttempts: 1.5 }, 'Expected the `freeAttempts` option to be a non-negative integer, got `1.5` (number).'],
  ])('refuses %j with a message a user can act on', (options, message) => {
    expect(() => consulBackoff(options as never)).toThrow(new TypeError(message));
  });
});
