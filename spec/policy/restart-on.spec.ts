import { describe, expect, it } from 'vitest';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { restartOn, type RestartOnOptions } from '../../lib/policy/restart-on.js';
import type { LastRun } from '../../lib/policy/restart-policy.js';
import { exit, stateOf } from '../helpers/policy.js';

const ends: [string, LastRun][] = [
  ['exit 0', exit(0)],
  ['exit 1', exit(1)],
  ['exit 78', exit(78)],
  ['SIGKILL', exit(null, 'SIGKILL')],
  ['spawn failure', { kind: 'spawn-failed' }],
  ['adopted, unknown', { kind: 'exited', code: null, signal: null, adopted: true }],
];
const restarted = (options: RestartOnOptions) =>
  Object.fromEntries(ends.map(([name, last]) => [name, restartOn(consulBackoff(), options).next(stateOf(2, { last })).kind === 'spawn']));

describe('R4: restartOn, which ends restart', () => {
  it('always', () => {
    expect(Object.values(restarted({ when: 'always' })).every(Boolean)).toBe(true);
  });

  it('on-failure: a non-zero code, any signal, a failed spawn, an unknown end; never exit 0', () => {
    expect(restarted({ when: 'on-failure' })).toEqual({
      'exit 0': false,
      'exit 1': true,
      'exit 78': true,
      SIGKILL: true,
      'spawn failure': true,
      'adopted, unknown': true,
    });
  });

  it('an end it does not restart completes; a death by signal is never taken for exit 0, even when 0 is a no-restart code', () => {
    const policy = restartOn(consulBackoff(), { when: 'always', noRestartCodes: [0] });
    expect(policy.next(stateOf(2, { last: exit(null, 'SIGTERM') })).kind).toBe('spawn');
    expect(policy.next(stateOf(2, { last: exit(0) }))).toEqual({ kind: 'complete' });
  });

  it('never, and codes that never restart whatever the mode', () => {
    expect(Object.values(restarted({ when: 'never' })).some(Boolean)).toBe(false);
    expect(restarted({ when: 'always', noRestartCodes: [78] })['exit 78']).toBe(false);
  });

  it('keeps the wrapped policy’s delays for the ends it restarts', () => {
    const policy = restartOn(consulBackoff(), { when: 'on-failure' });
    expect(policy.next(stateOf(5))).toEqual({ kind: 'spawn', delayMs: 4_000 });
    expect(policy.stableAfterMs).toBe(10_000);
  });

  it('refuses a mode it does not know, and codes that are not integers', () => {
    expect(() => restartOn(consulBackoff(), { when: 'sometimes' as never })).toThrow(
      'Expected the `when` option to be one of `always`, `on-failure`, `never`, got `sometimes` (string).',
    );
    expect(() => restartOn(consulBackoff(), { when: 'always', noRestartCodes: [1.5] })).toThrow('Expected the `noRestartCodes` option to be an array of integers');
  });

  it('noRestart completes after any end', () => {
    expect(ends.map(([, last]) => noRestart.next(stateOf(1, { last })).kind)).toEqual(ends.map(() => 'complete'));
  });
});
