import { check, checkDuration, checkOneOf, checkPositiveDuration, checkPositiveInteger, Factor } from '../validate.js';
import { jittered, type Jitter } from './jitter.js';
import { giveUp, spawnAfter, type RestartPolicy } from './restart-policy.js';

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay before the second attempt. Default 1000 ms. */
  readonly baseDelayMs?: number;
  /** Growth per attempt. Default 2. */
  readonly factor?: number;
  /** Cap of the delay, before jitter. Default 60 000 ms. */
  readonly maxDelayMs?: number;
  /** Default `none`. */
  readonly jitter?: Jitter;
  /** A run this long is stable and resets the attempt counter. Default 10 000 ms. */
  readonly stableAfterMs?: number;
  /** Consecutive attempts before giving up (`gave-up`, `attempts-exhausted`). Default: never. */
  readonly maxAttempts?: number;
  /** The random source of jitter, in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Classic capped exponential backoff: attempt 1 spawns at once, attempt n ≥ 2
 * waits `min(baseDelayMs × factor^(n−2), maxDelayMs)`, jittered; after
 * `maxAttempts` consecutive attempts without a stable run it gives up.
 *
 * @example
 * exponentialBackoff({ baseDelayMs: 100, factor: 3, jitter: 'full', maxAttempts: 10 });
 */
export const exponentialBackoff = (options: ExponentialBackoffOptions = {}): RestartPolicy => {
  const baseDelayMs = checkDuration('baseDelayMs', options.baseDelayMs ?? 1_000);
  const factor = check('factor', options.factor ?? 2, Factor);
  const maxDelayMs = checkDuration('maxDelayMs', options.maxDelayMs ?? 60_000);
  const jitter = checkOneOf('jitter', options.jitter ?? 'none', ['none', 'full', 'equal']);
  const stableAfterMs = checkPositiveDuration('stableAfterMs', options.stableAfterMs ?? 10_000);
  const maxAttempts = options.maxAttempts === undefined ? Infinity : checkPositiveInteger('maxAttempts', options.maxAttempts);
  const random = options.random ?? Math.random;
  return {
    stableAfterMs,
    next: ({ attempt }) => {
      if (attempt > maxAttempts) return giveUp('attempts-exhausted');
      if (attempt === 1) return spawnAfter(0);
      return spawnAfter(jittered(Math.min(maxDelayMs, baseDelayMs * factor ** (attempt - 2)), jitter, random));
    },
  };
};
