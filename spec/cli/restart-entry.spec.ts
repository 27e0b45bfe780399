import { isLeft } from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { restartPolicyOf, RestartEntry } from '../../lib/cli/restart-entry.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import type { RestartPolicy } from '../../lib/policy/restart-policy.js';
import { reportDecodeErrors } from '../../lib/snapshot/decode-errors.js';
import { decide, exit, stateOf } from '../helpers/policy.js';

const decoded = (input: unknown): RestartEntry => {
  const result = RestartEntry.decode(input);
  if (isLeft(result)) throw new Error(reportDecodeErrors(result.left, 'restart').message);
  return result.right;
};
const policyOf = (input: unknown): RestartPolicy => restartPolicyOf(decoded(input));
const errorOf = (input: unknown): string => {
  const result = RestartEntry.decode(input);
  return isLeft(result) ? reportDecodeErrors(result.left, 'restart').message : 'decoded';
};

/** The delays a policy gives for attempts 1…n of a crash loop (or how it ends). */
const delays = (policy: RestartPolicy, attempts: number): (number | string)[] =>
  Array.from({ length: attempts }, (_, i) => {
    const decision = policy.next(stateOf(i + 1));
    return decision.kind === 'spawn' ? decision.delayMs : decision.kind;
  });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('RestartEntry: a restart policy as data', () => {
  it('policy defaults to consul, the library’s default; the decoded entry always says which', () => {
    expect(decoded({})).toEqual({ policy: 'consul' });
    expect(decoded({ when: 'on-failure' })).toEqual({ policy: 'consul', when: 'on-failure' });
    expect(delays(policyOf({}), 6)).toEqual([0, 0, 0, 2_000, 4_000, 8_000]);
  });

  it('consul: every number of consulBackoff', () => {
    const policy = policyOf({ policy: 'consul', freeAttempts: 1, baseDelayMs: 100, maxDelayMs: 500, stableAfterMs: 3_000 });
    expect(delays(policy, 5)).toEqual([0, 200, 400, 500, 500]);
    expect(policy.stableAfterMs).toBe(3_000);
  });

  it('exponential: every number of exponentialBackoff, its own jitter, maxAttempts giving up', () => {
    const policy = policyOf({ policy: 'exponential', baseDelayMs: 100, factor: 3, maxDelayMs: 1_000, stableAfterMs: 2_000, maxAttempts: 4 });
    expect(delays(policy, 5)).toEqual([0, 100, 300, 900, 'give-up']);
    expect(policy.stableAfterMs).toBe(2_000);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    expect(delays(policyOf({ policy: 'exponential', baseDelayMs: 100, factor: 2, jitter: 'full' }), 3)).toEqual([0, 50, 100]);
  });

  it('jitter on consul is withJitter: full over [0, d), equal over [d/2, d); none is none', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    expect(delays(policyOf({ jitter: 'full' }), 5)).toEqual([0, 0, 0, 1_000, 2_000]);
    expect(delays(policyOf({ jitter: 'equal' }), 5)).toEqual([0, 0, 0, 1_500, 3_000]);
    expect(delays(policyOf({ jitter: 'none' }), 5)).toEqual([0, 0, 0, 2_000, 4_000]);
  });

  it('when and noRestartCodes are restartOn: an end the rule does not restart completes', () => {
    const onFailure = policyOf({ when: 'on-failure', noRestartCodes: [78] });
    expect(onFailure.next(stateOf(1, { last: exit(0) })).kind).toBe('complete');
    expect(onFailure.next(stateOf(1, { last: exit(78) })).kind).toBe('complete');
    expect(onFailure.next(stateOf(1, { last: exit(null, 'SIGSEGV') })).kind).toBe('spawn');
    expect(policyOf({ when: 'never' }).next(stateOf(1, { last: exit(1) })).kind).toBe('complete');
    expect(policyOf({ noRestartCodes: [3] }).next(stateOf(1, { last: exit(3) })).kind).toBe('complete');
    expect(policyOf({ policy: 'exponential', when: 'on-failure' }).next(stateOf(1, { last: exit(0) })).kind).toBe('complete');
  });

  it('maxRestarts and withinMs are limitRestarts, outside the rule: a completion is still a completion', () => {
    const policy = policyOf({ when: 'on-failure', maxRestarts: 2, withinMs: 10_000 });
    expect(decide(policy, [0, 1_000, 2_000])).toEqual(['spawn', 'spawn', 'give-up']);
    expect(decide(policy, [0, 20_000, 40_000])).toEqual(['spawn', 'spawn', 'spawn']);
    expect(policy.next(stateOf(1, { last: exit(0) })).kind).toBe('complete');
    expect(decide(policyOf({ policy: 'exponential', baseDelayMs: 0, maxRestarts: 1, withinMs: 1_000 }), [0, 10])).toEqual(['spawn', 'give-up']);
  });

  it('never is noRestart itself', () => {
    expect(policyOf({ policy: 'never' })).toBe(noRestart);
  });

  it('each call builds a new policy (one per entry across reloads: see reload-stable-policies)', () => {
    expect(policyOf({ when: 'on-failure' })).not.toBe(policyOf({ when: 'on-failure' }));
  });

  it.each([
    ['always', "`restart`: expected a restart policy: { \"policy\": \"consul\" | \"exponential\" | \"never\", … }, got 'always'"],
    [{ policy: 'consol' }, "`policy`: expected 'consul', 'exponential' or 'never', got 'consol'"],
    [{ policy: 3 }, "`policy`: expected 'consul', 'exponential' or 'never', got 3"],
    [{ freeAtempts: 1 }, '`freeAtempts`: unknown field; did you mean `freeAttempts`?'],
    [{ policy: 'exponential', facter: 2 }, '`facter`: unknown field; did you mean `factor`?'],
    [{ retries: 1 }, '`retries`: unknown field (known: policy, freeAttempts, baseDelayMs, maxDelayMs, stableAfterMs, when, noRestartCodes, maxRestarts, withinMs, jitter)'],
    [{ policy: 'exponential', freeAttempts: 2 }, "`freeAttempts`: a field of the 'consul' policy, not of 'exponential'"],
    [{ factor: 2 }, "`factor`: a field of the 'exponential' policy, not of 'consul'"],
    [{ policy: 'never', when: 'always' }, "`when`: a field of the 'consul' and 'exponential' policies, not of 'never'"],
    [{ maxRestarts: 3 }, '`maxRestarts`: given without `withinMs`: at most maxRestarts restarts within withinMs ms needs both'],
    [{ withinMs: 3 }, '`withinMs`: given without `maxRestarts`: at most maxRestarts restarts within withinMs ms needs both'],
    [{ maxRestarts: 0, withinMs: 1 }, '`maxRestarts`: expected a positive integer, got 0'],
    [{ maxRestarts: 1, withinMs: 0 }, '`withinMs`: expected an integer number of ms between 1 and 2147483647, got 0'],
    [{ when: 'sometimes' }, "`when`: expected 'always', 'on-failure' or 'never', got 'sometimes'"],
    [{ noRestartCodes: [78, 300] }, '`noRestartCodes`: expected an array of exit codes (integers between 0 and 255), got an array of 2'],
    [{ noRestartCodes: 78 }, '`noRestartCodes`: expected an array of exit codes (integers between 0 and 255), got 78'],
    [{ jitter: 'half' }, "`jitter`: expected 'none', 'full' or 'equal', got 'half'"],
    [{ freeAttempts: -1 }, '`freeAttempts`: expected a non-negative integer, got -1'],
    [{ baseDelayMs: '1s' }, "`baseDelayMs`: expected an integer number of ms between 0 and 2147483647, got '1s'"],
    [{ maxDelayMs: 2 ** 31 }, '`maxDelayMs`: expected an integer number of ms between 0 and 2147483647, got 2147483648'],
    [{ stableAfterMs: 0 }, '`stableAfterMs`: expected an integer number of ms between 1 and 2147483647, got 0'],
    [{ policy: 'exponential', factor: 0.5 }, '`factor`: expected a finite number >= 1, got 0.5'],
    [{ policy: 'exponential', maxAttempts: 1.5 }, '`maxAttempts`: expected a positive integer, got 1.5'],
  ])('%j: %s', (input, message) => {
    expect(errorOf(input)).toBe(message);
  });

  it('what it decodes, the policies accept: the bounds of every number build', () => {
    const bounds = [
      { freeAttempts: 0, baseDelayMs: 0, maxDelayMs: 2 ** 31 - 1, stableAfterMs: 1, maxRestarts: 1, withinMs: 2 ** 31 - 1, noRestartCodes: [0, 255], jitter: 'equal', when: 'always' },
      { policy: 'exponential', factor: 1, baseDelayMs: 2 ** 31 - 1, maxAttempts: 1, stableAfterMs: 2 ** 31 - 1, jitter: 'none' },
    ];
    for (const entry of bounds) expect(() => policyOf(entry)).not.toThrow();
  });
});
