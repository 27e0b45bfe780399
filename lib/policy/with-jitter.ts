import { checkOneOf } from '../validate.js';
import { jittered } from './jitter.js';
import type { RestartPolicy } from './restart-policy.js';

/**
 * Spreads a policy's delays at random, so that many daemons that crashed
 * together do not restart together: `full` draws each delay from
 * [0, d), `equal` from [d/2, d). `random` returns a number in [0, 1); a
 * test fixes it. Immediate restarts stay immediate.
 *
 * @example
 * withJitter(consulBackoff(), 'equal');
 */
export const withJitter = (policy: RestartPolicy, jitter: 'full' | 'equal', random: () => number = Math.random): RestartPolicy => {
  const kind = checkOneOf('jitter', jitter, ['full', 'equal']);
  return {
    stableAfterMs: policy.stableAfterMs,
    next: (state) => {
      const decision = policy.next(state);
      return decision.kind === 'spawn' ? { ...decision, delayMs: jittered(decision.delayMs, kind, random) } : decision;
    },
  };
};
