import { checkDuration, checkNonNegativeInteger, checkPositiveDuration } from '../validate.js';
import { spawnAfter, type RestartPolicy } from './restart-policy.js';

/** Options of {@link consulBackoff}; every number of the reference is one of them. */
export interface ConsulBackoffOptions {
  /** Attempts that spawn at once (R1). Default 3. */
  readonly freeAttempts?: number;
  /** The unit of the doubling delay. Default 1000 ms. */
  readonly baseDelayMs?: number;
  /** The cap of the delay. Default 60 000 ms. */
  readonly maxDelayMs?: number;
  /** A run this long is stable and resets the attempt counter (R2). Default 10 000 ms. */
  readonly stableAfterMs?: number;
}

/**
 * The Consul reference's schedule and rxdaemon's default (R1–R3): the first
 * `freeAttempts` spawn at once; attempt n after that waits
 * `min(baseDelayMs × 2^(n − freeAttempts), maxDelayMs)`: 2, 4, 8, 16, 32, 60, 60 … s.
 * It restarts every end; wrap it in {@link restartOn} to choose, in
 * {@link withJitter} to spread restarts, in {@link limitRestarts} to cap them.
 *
 * @example
 * supervise({ command: 'envoy' }, { restart: consulBackoff({ maxDelayMs: 30_000 }) });
 */
export const consulBackoff = (options: ConsulBackoffOptions = {}): RestartPolicy => {
  const freeAttempts = checkNonNegativeInteger('freeAttempts', options.freeAttempts ?? 3);
  const baseDelayMs = checkDuration('baseDelayMs', options.baseDelayMs ?? 1_000);
  const maxDelayMs = checkDuration('maxDelayMs', options.maxDelayMs ?? 60_000);
  const stableAfterMs = checkPositiveDuration('stableAfterMs', options.stableAfterMs ?? 10_000);
  return {
    stableAfterMs,
    next: ({ attempt }) =>
      spawnAfter(
        attempt <= freeAttempts
          ? 0
          : // The exponent is capped so that 2^n stays a finite number however long the loop runs.
            Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt - freeAttempts, 52)),
      ),
  };
};
