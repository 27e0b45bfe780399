import type { Signal } from '../signal-name.js';

/** How the previous run ended, as a policy sees it. */
export type LastRun =
  | {
      readonly kind: 'exited';
      readonly code: number | null;
      readonly signal: Signal | null;
      /** An adopted process's end is unknown: code and signal are null. */
      readonly adopted: boolean;
      /** When the supervisor ended the run because it failed its checks. */
      readonly reason?: 'not-ready' | 'unhealthy';
    }
  | { readonly kind: 'spawn-failed' };

/**
 * R5: what a policy decides from, after every run. Everything a rule such
 * as "at most 5 restarts in 60 s" needs is here, so a policy is a pure
 * function, testable with a table and in virtual time.
 */
export interface RestartState {
  /** The attempt about to be made: 1 is the first since the start or since a stable run. */
  readonly attempt: number;
  /** Spawns after the first so far (this one not counted); never reset. */
  readonly restarts: number;
  /** How the run just ended. */
  readonly last: LastRun;
  /** How long that run's process ran (0 when it failed to spawn). */
  readonly runMs: number;
  /** The scheduler's clock, ms. */
  readonly now: number;
  /** What this policy kept with its previous decision (see {@link RestartDecision}); absent after the first run. */
  readonly memory?: unknown;
}

/**
 * Spawn after `delayMs` (keeping `memory` for the next decision, when the
 * policy needs one); give up, because a limit ran out (`gave-up`); or
 * complete, because the rule does not restart this kind of end
 * (`completed`).
 */
export type RestartDecision =
  | { readonly kind: 'spawn'; readonly delayMs: number; readonly memory?: unknown }
  | { readonly kind: 'give-up'; readonly reason: GiveUpReason; readonly limit?: RestartLimit }
  | { readonly kind: 'complete' };

/**
 * Why a daemon gave up: a limit of attempts or of restarts ran out, or
 * (`spawn-failed`) its run never started and its rule does not restart it:
 * a run that never started cannot complete. A policy decides the first two;
 * the supervisor the last, where a policy completes after a failed spawn.
 */
export type GiveUpReason = 'attempts-exhausted' | 'restarts-exhausted' | 'spawn-failed';

/** A limit of restarts (`limitRestarts`): at most `max` within any `withinMs`. */
export interface RestartLimit {
  /** Restarts allowed within any `withinMs`. */
  readonly max: number;
  readonly withinMs: number;
}

/**
 * A restart policy is a value: a pure decision from {@link RestartState},
 * and the run time after which a process is stable (which resets the
 * attempt counter). Compose them as Effect's `Schedule`s compose:
 * {@link restartOn}, {@link withJitter}, {@link limitRestarts}.
 *
 * @example
 * const policy = limitRestarts(withJitter(consulBackoff(), 'full'), { max: 5, withinMs: 60_000 });
 */
export interface RestartPolicy {
  readonly stableAfterMs: number;
  next(state: RestartState): RestartDecision;
}

/** Spawn after `delayMs`. */
export const spawnAfter = (delayMs: number, memory?: unknown): RestartDecision =>
  memory === undefined ? { kind: 'spawn', delayMs } : { kind: 'spawn', delayMs, memory };

/** Stop restarting: a limit ran out (`limit`: which one, for a limit of restarts). */
export const giveUp = (reason: GiveUpReason, limit?: RestartLimit): RestartDecision => (limit === undefined ? { kind: 'give-up', reason } : { kind: 'give-up', reason, limit });

/** Stop restarting: the rule does not restart this end. */
export const complete: RestartDecision = { kind: 'complete' };
