import type { DaemonEvent, ExitedEvent } from '../events.js';

/**
 * Where a daemon is in its life. `starting`: its process runs, not yet
 * ready; `running`: ready. `waiting`: between two runs (after an exit or a
 * failed spawn, during a backoff). The last four are terminal.
 */
export type DaemonStatus = 'idle' | 'spawning' | 'starting' | 'running' | 'waiting' | 'stopping' | 'stopped' | 'closed' | 'completed' | 'gave-up';

/** How the last run ended, as a daemon's state keeps it. */
export interface LastExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
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
  /** When the current process started: an adopted one's own start (from /proc), not its adoption, where the OS tells it. */
  readonly since?: number;
  /** How the last run ended. */
  readonly lastExit?: LastExit;
  /** Under a manager: the services this one waits for (its `after`), before its first spawn. */
  readonly waitingFor?: readonly string[];
}

/** Before `start()`. */
export const initialState: DaemonState = { status: 'idle', attempt: 0, restarts: 0 };

/** The counters and the last exit, which every state after the first carries on. */
const kept = ({ attempt, restarts, lastExit }: DaemonState): DaemonState =>
  lastExit === undefined ? { status: 'idle', attempt, restarts } : { status: 'idle', attempt, restarts, lastExit };

/** The state after an event: a pure fold over the event stream. */
export const nextState = (state: DaemonState, event: DaemonEvent): DaemonState => {
  switch (event.type) {
    case 'spawning':
      return { ...kept(state), status: 'spawning', attempt: event.attempt, restarts: state.status === 'idle' ? state.restarts : state.restarts + 1 };
    case 'started':
      return { ...kept(state), status: 'starting', pid: event.pid, adopted: false, attempt: event.attempt, since: event.at };
    case 'adopted':
      return { ...kept(state), status: 'starting', pid: event.pid, adopted: true, attempt: event.attempt, since: event.startedAt };
    case 'ready':
      return { ...state, status: 'running' };
    case 'stable':
      return { ...state, attempt: 0 };
    case 'exited': {
      const lastExit: LastExit = { code: event.code, signal: event.signal, at: event.at, ...(event.reason === undefined ? {} : { reason: event.reason }) };
      // An exit during a stop is the stop succeeding, not a wait for the next run.
      return { ...kept(state), status: state.status === 'stopping' ? 'stopping' : 'waiting', lastExit };
    }
    case 'spawn-failed':
    case 'backoff':
      return { ...kept(state), status: 'waiting' };
    case 'stopping':
    case 'killing':
      return { ...state, status: 'stopping' };
    case 'closed':
      return event.pid === undefined
        ? { ...kept(state), status: 'closed' }
        : { ...kept(state), status: 'closed', pid: event.pid, adopted: state.adopted ?? false, ...(state.since === undefined ? {} : { since: state.since }) };
    case 'stopped':
    case 'completed':
    case 'gave-up':
      return { ...kept(state), status: event.type };
    case 'pidfile-error':
    case 'rotate-failed':
    case 'health-failed':
    case 'not-ready':
    case 'unhealthy':
      return state;
  }
};
