import { checkPositiveDuration, checkPositiveInteger } from '../validate.js';
import { giveUp, type RestartLimit, type RestartPolicy } from './restart-policy.js';

/** Options of {@link limitRestarts}: the limit itself, `max` restarts within any `withinMs`; a `gave-up` it causes carries it. */
export type LimitRestartsOptions = RestartLimit;

/** What {@link limitRestarts} keeps between decisions: the times of its recent restarts, and the wrapped policy's own memory. */
interface Kept {
  readonly times: readonly number[];
  readonly inner: unknown;
}

/**
 * Gives up (`gave-up`, `restarts-exhausted`) rather than make a restart
 * that would be the `max + 1`-th within `withinMs`: "at most 5 restarts in
 * 60 s". Pure: the times of the recent restarts travel with the decision,
 * as `memory`, and come back with the next state.
 *
 * @example
 * limitRestarts(consulBackoff(), { max: 5, withinMs: 60_000 });
 */
export const limitRestarts = (policy: RestartPolicy, options: LimitRestartsOptions): RestartPolicy => {
  const max = checkPositiveInteger('max', options.max);
  const withinMs = checkPositiveDuration('withinMs', options.withinMs);
  return {
    stableAfterMs: policy.stableAfterMs,
    next: (state) => {
      const kept = state.memory as Kept | undefined;
      const decision = policy.next(kept === undefined ? state : { ...state, memory: kept.inner });
      if (decision.kind !== 'spawn') return decision;
      const at = state.now + decision.delayMs;
      const times = [...(kept?.times ?? []).filter((time) => time > at - withinMs), at];
      if (times.length > max) return giveUp('restarts-exhausted', { max, withinMs });
      return { kind: 'spawn', delayMs: decision.delayMs, memory: { times, inner: decision.memory } satisfies Kept };
    },
  };
};
