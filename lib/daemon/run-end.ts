import type { ExitedEvent } from '../events.js';
import type { LastRun } from '../policy/restart-policy.js';

/**
 * How a run ended: as the restart policy sees it (a failed spawn with its
 * error, which a `gave-up` carries), or detached by `close` with its
 * process left running.
 */
export type RunOutcome =
  | Exclude<LastRun, { readonly kind: 'spawn-failed' }>
  | { readonly kind: 'spawn-failed'; readonly error: { readonly code: string; readonly message: string } }
  | { readonly kind: 'closed'; readonly pid: number };

/**
 * The last item of every run: how it ended, as a value the restart loop
 * folds. It never leaves the loop; the loop turns it into what comes next
 * (a backoff, the next run, or a terminal event).
 */
export class RunEnd {
  constructor(
    /** The run's attempt number; 0 for an adopted process. */
    readonly attempt: number,
    readonly outcome: RunOutcome,
    /** How long its process ran, from its own start (0 when none started). */
    readonly runMs: number,
    /** Why the supervisor ended it, when it did. */
    readonly reason: ExitedEvent['reason'],
    /** Whether it was ready: only a ready run can be stable (R2). */
    readonly ready: boolean,
  ) {}
}
