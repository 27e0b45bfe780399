/** How the previous run ended, as a policy sees it. */
export type LastRun =
  | { readonly kind: 'exited'; readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly adopted: boolean }
  | { readonly kind: 'spawn-failed' };

/** What a policy decides from: the attempt about to be made (1 = first since start or since a healthy run), and how the last run ended. */
export interface RestartState {
  readonly attempt: number;
  /** Absent before the very first spawn. */
  readonly last?: LastRun;
}

/** Spawn after `delayMs`, or stop restarting. */
export type RestartDecision =
  | { readonly kind: 'spawn'; readonly delayMs: number }
  | { readonly kind: 'give-up'; readonly reason: 'attempts-exhausted' | 'not-restarted' };

/**
 * A restart policy is a value: a pure decision from {@link RestartState} and
 * the run time after which a process counts as healthy (which resets the
 * attempt counter). Compose them with {@link restartOn} and {@link withJitter}.
 */
export interface RestartPolicy {
  readonly healthyAfterMs: number;
  next(state: RestartState): RestartDecision;
}

/** Spawn after `delayMs`. */
export const spawnAfter = (delayMs: number): RestartDecision => ({ kind: 'spawn', delayMs });

/** Stop restarting. */
export const giveUp = (reason: 'attempts-exhausted' | 'not-restarted'): RestartDecision => ({ kind: 'give-up', reason });
