import type { DaemonEvent, ExitedEvent } from '../events.js';
import type { LastRun } from '../policy/restart-policy.js';
import type { LiveProcess } from './live-process.js';

/** One run of a daemon: its process, its attempt, and times by the scheduler's clock. */
export interface Run {
  readonly process: LiveProcess;
  readonly attempt: number;
  /** When the process started: an adopted one's own start, long before this supervisor saw it (`runMs` and R2 count from here). */
  readonly startedAt: number;
  /** When this supervisor began to follow it, at its `started` or `adopted` (its checks' `afterMs` count from here). */
  readonly followedAt: number;
  /** The OOM kills its cgroup had counted at its start, where the memory controller tells (Containment). */
  readonly oomKills?: number;
}

/** Why the supervisor itself ended a run, when it did. */
export type { StopReason } from '../events.js';

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
    /** The run's attempt number; an adopted process's carries on from its record (0 when it has none). */
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

/** What a run emits: its events, and last of all its {@link RunEnd}. */
export type RunItem = DaemonEvent | RunEnd;
