import type { DaemonEvent } from '../events.js';

/**
 * Where a daemon is in its life. `waiting`: between two runs (after an exit
 * or a failed spawn, during a backoff). The last three are terminal.
 */
export type DaemonStatus = 'idle' | 'spawning' | 'running' | 'waiting' | 'stopping' | 'stopped' | 'closed' | 'gave-up';

/** A daemon's current state, as `Daemon.state$` replays it. */
export interface DaemonState {
  readonly status: DaemonStatus;
  /** The process being supervised (or left running, when closed). */
  readonly pid?: number;
  /** Whether that process was adopted rather than spawned. */
  readonly adopted?: boolean;
  /** The attempt counter, as the last `spawning` or `backoff` set it. */
  readonly attempt: number;
}

/** Before `start()`. */
export const initialState: DaemonState = { status: 'idle', attempt: 0 };

/** The state after an event: a pure fold over the event stream. */
export const nextState = (state: DaemonState, event: DaemonEvent): DaemonState => {
  switch (event.type) {
    case 'spawning':
      return { status: 'spawning', attempt: event.attempt };
    case 'started':
      return { status: 'running', pid: event.pid, adopted: false, attempt: event.attempt };
    case 'adopted':
      return { status: 'running', pid: event.pid, adopted: true, attempt: 0 };
    case 'healthy':
      return { ...state, attempt: 0 };
    case 'exited':
      // An exit during a stop is the stop succeeding, not a wait for the next run.
      return { status: state.status === 'stopping' ? 'stopping' : 'waiting', attempt: state.attempt };
    case 'spawn-failed':
    case 'backoff':
      return { status: 'waiting', attempt: state.attempt };
    case 'stopping':
    case 'killing':
      return { ...state, status: 'stopping' };
    case 'stopped':
      return { status: 'stopped', attempt: state.attempt };
    case 'closed':
      return event.pid === undefined
        ? { status: 'closed', attempt: state.attempt }
        : { status: 'closed', pid: event.pid, adopted: state.adopted ?? false, attempt: state.attempt };
    case 'gave-up':
      return { status: 'gave-up', attempt: state.attempt };
    case 'pidfile-error':
      return state;
  }
};
