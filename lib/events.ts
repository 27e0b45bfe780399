import type { GiveUpReason, RestartLimit } from './policy/restart-policy.js';
import type { OutputOffsets } from './process/processes.js';
import { errnoOf } from './errno.js';
import type { Signal } from './signal-name.js';

/** Fields every event carries: `at` is the scheduler's `now()` in ms; `id` is the command's id, when it has one. */
interface EventBase {
  readonly at: number;
  readonly id?: string;
}

/** Before each spawn; `attempt` counts from 1 and restarts at 1 after a stable run. */
export interface SpawningEvent extends EventBase { readonly type: 'spawning'; readonly attempt: number }
/** The process runs. */
export interface StartedEvent extends EventBase {
  readonly type: 'started';
  readonly pid: number;
  readonly attempt: number;
  /** Where this run's output begins in its output files that are files (their sizes at the spawn): its crash report, and a later supervisor's, reads from there. */
  readonly outputStart?: OutputOffsets;
  /** The cgroup it runs in, joined before its program ran (Containment). */
  readonly cgroup?: string;
}
/** Spawning itself failed (ENOENT, EACCES, …); counts as an attempt. */
export interface SpawnFailedEvent extends EventBase {
  readonly type: 'spawn-failed';
  readonly attempt: number;
  readonly error: { readonly code: string; readonly message: string };
}
/** Watching a live process this supervisor did not start. */
export interface AdoptedEvent extends EventBase {
  readonly type: 'adopted';
  readonly pid: number;
  /** The attempt its record carries on (0 when it has none). */
  readonly attempt: number;
  /** When the process itself started, by the scheduler's clock (from its start time in /proc); `at` where the OS does not tell. */
  readonly startedAt: number;
  /** The cgroup it was found in, which its stop and its death go through (Containment): the service's own, where the process is in it. */
  readonly cgroup?: string;
}
/** The ready check passed (at once, when there is none): `afterMs` after `started` or `adopted`. */
export interface ReadyEvent extends EventBase { readonly type: 'ready'; readonly pid: number; readonly afterMs: number }
/** The ready check did not pass within its timeout: the run failed, and the process is stopped. */
export interface NotReadyEvent extends EventBase {
  readonly type: 'not-ready';
  readonly pid: number;
  readonly afterMs: number;
  readonly error: { readonly code: string; readonly message: string };
}
/** One health check failed; `failures` counts the failures in a row. */
export interface HealthFailedEvent extends EventBase {
  readonly type: 'health-failed';
  readonly pid: number;
  readonly failures: number;
  readonly error: { readonly code: string; readonly message: string };
}
/** `failures` health checks failed in a row: the run failed, and the process is stopped. `error` is the last failure's. */
export interface UnhealthyEvent extends EventBase {
  readonly type: 'unhealthy';
  readonly pid: number;
  readonly failures: number;
  readonly error: { readonly code: string; readonly message: string };
}
/** It ran `stableAfterMs`, and is ready; the attempt counter is reset (R2). Not a health check: that is `health`. */
export interface StableEvent extends EventBase { readonly type: 'stable'; readonly pid: number }
/** Why the supervisor ends a run: a stop or a restart asked for, or a failed check. */
export type StopReason = 'stop' | 'restart' | 'not-ready' | 'unhealthy';
/** It ended. For an adopted process the code and signal are unknown (null). */
export interface ExitedEvent extends EventBase {
  readonly type: 'exited';
  readonly pid: number;
  readonly code: number | null;
  readonly signal: Signal | null;
  readonly adopted: boolean;
  /** The run's attempt; an adopted process's is its record's (0 when it has none). */
  readonly attempt: number;
  /** How long it ran, from its own start (an adopted process's too, from /proc; from its adoption where the OS does not tell). */
  readonly runMs: number;
  /** Whether the supervisor asked for this end; then `reason` says why. */
  readonly requested: boolean;
  /** Why the supervisor ended it, when it did; `oom` (not requested) when the kernel's OOM killer ended a process of its cgroup (`memoryMax`). */
  readonly reason?: StopReason | 'oom';
  /** The crash report: the last `tailLines` lines this run wrote to its stderr file (else, when it wrote none there, its stdout file), none of an earlier run's; empty when neither is a file. */
  readonly tail: readonly string[];
}
/** Waiting `delayMs` before spawn number `attempt`. */
export interface BackoffEvent extends EventBase { readonly type: 'backoff'; readonly attempt: number; readonly delayMs: number }
/** The graceful signal was sent; `reason` says why the supervisor ends the run (as the `exited` that follows does). */
export interface StoppingEvent extends EventBase {
  readonly type: 'stopping';
  readonly pid: number;
  readonly signal: Signal;
  readonly reason: StopReason;
}
/** The grace period ran out; SIGKILL was sent. */
export interface KillingEvent extends EventBase { readonly type: 'killing'; readonly pid: number; readonly signal: Signal }
/** Terminal: the process is gone and the pid file removed. */
export interface StoppedEvent extends EventBase { readonly type: 'stopped' }
/** Terminal: supervision ended; the process, if any, keeps running. */
export interface ClosedEvent extends EventBase { readonly type: 'closed'; readonly pid?: number }
/**
 * Terminal: a limit of the restart policy ran out (of attempts, or of
 * restarts within a time: then `limit` says which, when the policy tells);
 * or (`reason: 'spawn-failed'`, with the spawn's `error`) a run that never
 * started is not restarted by its rule, and so cannot complete.
 */
export interface GaveUpEvent extends EventBase {
  readonly type: 'gave-up';
  readonly attempts: number;
  readonly reason: GiveUpReason;
  readonly limit?: RestartLimit;
  /** The failed spawn's error, when `reason` is `spawn-failed`. */
  readonly error?: { readonly code: string; readonly message: string };
}
/** Terminal: the run ended and the restart rule does not restart that kind of end (exit 0 under `on-failure`, any end under `never`); a run that never started gives up instead. */
export interface CompletedEvent extends EventBase {
  readonly type: 'completed';
  /** How the last run ended; both null for an adopted process, whose exit status is unknown. */
  readonly code: number | null;
  readonly signal: Signal | null;
}
/** Writing or removing the pid file failed; the daemon runs on. */
export interface PidFileErrorEvent extends EventBase {
  readonly type: 'pidfile-error';
  readonly path: string;
  readonly error: { readonly code: string; readonly message: string };
}
/** Rotating an output file failed; reported once for each new error of a path, and tried again at every check. The daemon runs on. */
export interface RotateFailedEvent extends EventBase {
  readonly type: 'rotate-failed';
  readonly path: string;
  readonly error: { readonly code: string; readonly message: string };
}

/** Everything a supervised daemon reports, as a union to switch on by `type`. */
export type DaemonEvent =
  | SpawningEvent
  | StartedEvent
  | SpawnFailedEvent
  | AdoptedEvent
  | ReadyEvent
  | NotReadyEvent
  | HealthFailedEvent
  | UnhealthyEvent
  | StableEvent
  | ExitedEvent
  | BackoffEvent
  | StoppingEvent
  | KillingEvent
  | StoppedEvent
  | ClosedEvent
  | GaveUpEvent
  | CompletedEvent
  | PidFileErrorEvent
  | RotateFailedEvent;

/** The `type` of any daemon event. */
export type DaemonEventType = DaemonEvent['type'];

/** The event of a given type. */
export type DaemonEventOf<T extends DaemonEventType> = Extract<DaemonEvent, { type: T }>;

/**
 * The four ways a daemon's life ends, written out once: the types of the
 * events after which its stream completes, and the statuses its state keeps
 * from then on.
 */
export const TERMINAL_TYPES = ['stopped', 'closed', 'gave-up', 'completed'] as const satisfies readonly DaemonEventType[];

/** The type of a terminal event, which is also the status a daemon ends in. */
export type TerminalType = (typeof TERMINAL_TYPES)[number];

/** An event after which a daemon's stream completes. */
export type TerminalEvent = DaemonEventOf<TerminalType>;

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_TYPES);

/** Whether an event's type, or a daemon's status, is one a daemon ends in. */
export const isTerminalType = (type: string): type is TerminalType => TERMINAL.has(type);

/** The events after which a daemon's stream completes. */
export const isTerminal = (event: DaemonEvent): event is TerminalEvent => isTerminalType(event.type);

type Fields<T extends DaemonEventType> = Omit<DaemonEventOf<T>, 'type' | 'at' | 'id'>;

/** Builds events stamped with a clock and tagged with a daemon's id. */
export type EventFactory = <T extends DaemonEventType>(type: T, fields: Fields<T>) => DaemonEventOf<T>;

export const eventFactory =
  (now: () => number, id: string | undefined): EventFactory =>
  (type, fields) =>
    ({ type, at: now(), ...(id === undefined ? {} : { id }), ...fields }) as never;

/** An error as events carry it: a code and a message, never the error object with its stack and options. */
export const errorFields = (error: unknown): { code: string; message: string } => {
  if (error instanceof Error) {
    return { code: errnoOf(error) ?? 'EUNKNOWN', message: error.message };
  }
  return { code: 'EUNKNOWN', message: String(error) };
};
