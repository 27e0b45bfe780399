import type { TerminalType } from '../events.js';

/** Why `start()` refused: the daemon is being stopped or already ended, and a daemon runs once. */
export interface DaemonError {
  readonly code: 'ESTOPPED' | 'ECLOSED' | 'EGAVEUP' | 'ECOMPLETED';
  readonly message: string;
}

/** `start()` while a stop is under way. */
export const STOPPING: DaemonError = { code: 'ESTOPPED', message: 'the daemon is being stopped; create a new Daemon to run the command again' };

/** `start()` once the daemon has ended, by how it ended. */
export const ENDED_WITH: Readonly<Record<TerminalType, DaemonError>> = {
  stopped: { code: 'ESTOPPED', message: 'the daemon was stopped; create a new Daemon to run the command again' },
  closed: { code: 'ECLOSED', message: 'the daemon was closed; restore it from a snapshot to supervise the process again' },
  'gave-up': { code: 'EGAVEUP', message: 'the restart policy gave up; create a new Daemon to run the command again' },
  completed: { code: 'ECOMPLETED', message: 'the run completed and the policy did not restart it; create a new Daemon to run the command again' },
};
