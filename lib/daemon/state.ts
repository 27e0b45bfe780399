import { isTerminalType, type DaemonEvent, type ExitedEvent, type TerminalType } from '../events.js';
import { CLOSED, COMPLETED_BEFORE, exitCause, gaveUpCause, NOT_READY, NOT_STARTED, notReadyCause, spawnFailedCause, spawningCause, STOPPED, stopCause, unhealthyCause } from './cause.js';
import type { Signal } from '../signal-name.js';

/**
 * Where a daemon is in its life. `idle`: not under way yet (before
 * `start()`; under a manager, waiting for its `after` or held by a limit);
 * `starting`: its process runs, not yet ready; `running`: ready.
 * `waiting`: between two runs (after an exit or a failed spawn, during a
 * backoff). The last four are terminal. Every status but `running` comes
 * with its `cause`.
 */
export type DaemonStatus = 'idle' | 'spawning' | 'starting' | 'running' | 'waiting' | 'stopping' | TerminalType;

/** How the last run ended, as a daemon's state keeps it. */
export interface LastExit {
  readonly code: number | null;
  readonly signal: Signal | null;
  /** When it was seen to end (the scheduler's clock). */
  readonly at: number;
  /** Why the supervisor ended it, when it did. */
  readonly reason?: ExitedEvent['reason'];
}

/** A daemon's current state, as `Daemon.state$` replays it. */
export interface DaemonState {
  readonly status: DaemonStatus;
  /** The process being supervised (or left running, when closed). */
  readonly pid?: number;
  /** Whether that process was adopted rather than spawned. */
  readonly adopted?: boolean;
  /** The attempt counter, as the last `spawning` or `backoff` set it (an adopted process's record); reset by a stable run. */
  readonly attempt: number;
  /** Spawns after the first run (spawned or adopted); never reset. */
  readonly restarts: number;
  /** The cgroup of the current process, whose whole tree its CPU and memory count (Containment). */
  readonly cgroup?: string;
  /** When the current process started: an adopted one's own start (from /proc), not its adoption, where the OS tells it. */
  readonly since?: number;
  /** How the last run ended. */
  readonly lastExit?: LastExit;
  /** Under a manager: the services this one waits for (its `after`), before its first spawn. */
  readonly waitingFor?: readonly string[];
  /**
   * Why the state is what it is, in words, for every status but `running`:
   * `exited with code 3: …`, `gave up after 5 restarts in 60 s; last: …`,
   * `stopped on request`; under a manager also `waiting for db to be
   * ready`, `held: RLIMIT_NPROC is 64, 64 in use; …`. None while running
   * (but for the moment a failed health check takes before its stop).
   */
  readonly cause?: string;
}

/** Before `start()`. */
export const initialState: DaemonState = { status: 'idle', attempt: 0, restarts: 0, cause: NOT_STARTED };

/** Whether a state is one of the four a daemon ends in: after it, nothing of that daemon runs. */
export const isEnded = ({ status }: DaemonState): boolean => isTerminalType(status);

/** The counters and the last exit, which every state after the first carries on. */
const kept = ({ attempt, restarts, lastExit }: DaemonState): DaemonState =>
  lastExit === undefined ? { status: 'idle', attempt, restarts } : { status: 'idle', attempt, restarts, lastExit };

const cgroupOf = ({ cgroup }: { readonly cgroup?: string }): { readonly cgroup?: string } => (cgroup === undefined ? {} : { cgroup });

/**
 * Whether a daemon in this state ran before (spawned, failed to spawn, or
 * was adopted), so that its next spawn is a restart: any state but idle
 * says so, and an idle one (a manager's id waiting again, after a stop and
 * a start) by the last exit or the attempt it keeps.
 */
const hasRun = (state: DaemonState): boolean => state.status !== 'idle' || state.lastExit !== undefined || state.attempt > 0;

/** `state` with `cause` in place of its own, or with none. */
const because = (state: DaemonState, cause: string | undefined): DaemonState => {
  if (cause !== undefined) return { ...state, cause };
  const copy: Omit<DaemonState, 'cause'> & { cause?: string } = { ...state };
  delete copy.cause;
  return copy;
};

/**
 * A daemon that is not under way, and why: what a manager shows for one of
 * its ids before it spawns (waiting for its `after`, held by a limit). The
 * counters and the last exit of what ran before are kept: `restarts` is
 * never reset.
 */
export const idleBecause = (state: DaemonState, cause: string): DaemonState => ({ ...kept(state), cause });

/**
 * A one-shot task that completed with exit code 0 at `at`, before this
 * supervisor (an earlier manager, in this boot): it is not run again. The
 * counters of what ran before here are kept.
 */
export const completedBefore = (state: DaemonState, at: number): DaemonState => ({
  ...kept(state),
  status: 'completed',
  lastExit: { code: 0, signal: null, at },
  cause: COMPLETED_BEFORE,
});

/** The state after an event: a pure fold over the event stream. */
export const nextState = (state: DaemonState, event: DaemonEvent): DaemonState => {
  switch (event.type) {
    case 'spawning':
      return { ...kept(state), status: 'spawning', attempt: event.attempt, restarts: hasRun(state) ? state.restarts + 1 : state.restarts, cause: spawningCause(event.attempt) };
    case 'started':
      return { ...kept(state), status: 'starting', pid: event.pid, adopted: false, attempt: event.attempt, since: event.at, ...cgroupOf(event), cause: NOT_READY };
    case 'adopted':
      return { ...kept(state), status: 'starting', pid: event.pid, adopted: true, attempt: event.attempt, since: event.startedAt, ...cgroupOf(event), cause: NOT_READY };
    case 'ready':
      return because({ ...state, status: 'running' }, undefined);
    case 'stable':
      return { ...state, attempt: 0 };
    case 'exited': {
      const lastExit: LastExit = { code: event.code, signal: event.signal, at: event.at, ...(event.reason === undefined ? {} : { reason: event.reason }) };
      // An exit during a stop is the stop succeeding, not a wait for the next run.
      const status = state.status === 'stopping' ? 'stopping' : 'waiting';
      return because({ ...kept(state), status, lastExit }, event.reason === undefined || event.reason === 'oom' ? exitCause(event) : stopCause(event.reason, state.cause));
    }
    case 'spawn-failed':
      return { ...kept(state), status: 'waiting', cause: spawnFailedCause(event) };
    case 'backoff':
      return because({ ...kept(state), status: 'waiting' }, state.cause);
    case 'stopping':
      return because({ ...state, status: 'stopping' }, stopCause(event.reason, state.cause));
    case 'killing':
      return { ...state, status: 'stopping' };
    case 'closed':
      return event.pid === undefined
        ? { ...kept(state), status: 'closed', cause: CLOSED }
        : { ...kept(state), status: 'closed', pid: event.pid, adopted: state.adopted ?? false, ...(state.since === undefined ? {} : { since: state.since }), cause: CLOSED };
    case 'stopped':
      return { ...kept(state), status: 'stopped', cause: STOPPED };
    case 'completed':
      // It follows the run's end, whose cause says how it ended.
      return because({ ...kept(state), status: 'completed' }, state.cause);
    case 'gave-up':
      return { ...kept(state), status: 'gave-up', cause: gaveUpCause(event, state.cause) };
    case 'not-ready':
      return { ...state, cause: notReadyCause(event) };
    case 'unhealthy':
      return { ...state, cause: unhealthyCause(event) };
    case 'pidfile-error':
    case 'rotate-failed':
    case 'health-failed':
      return state;
  }
};

/**
 * Whether a state has a live process under supervision: from `started`
 * (or `adopted`) until its exit, a stop included; a closed daemon's
 * process runs on, but is no longer this supervisor's.
 */
export const hasProcess = (state: DaemonState): state is DaemonState & { readonly pid: number } => state.pid !== undefined && state.status !== 'closed';
