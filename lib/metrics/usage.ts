import { hasProcess, type DaemonState } from '../daemon/state.js';
import { readProcUsage } from '../process/proc-usage.js';

/** What a daemon's running process has cost so far, for {@link prometheusText}. */
export interface Usage {
  /** User and system CPU time, in seconds. */
  readonly cpuSeconds: number;
  /** Resident memory, in bytes. */
  readonly memoryBytes: number;
}

// /proc counts CPU time in USER_HZ ticks, which Linux fixes at 100 a second for user space whatever the kernel's own HZ.
const TICKS_PER_SECOND = 100;

/**
 * What /proc tells of each daemon's live process (the same source as the
 * CPU and memory of `rxdaemon status`): an entry for each id whose state
 * has a process that can still be read, none for the others (no process,
 * gone since, another user's under `hidepid`, no /proc).
 *
 * @example
 * const states = new Map<string, DaemonState>([['web', { status: 'running', pid: 812, attempt: 1, restarts: 0 }]]);
 * const usage = readUsage(states); // Map { 'web' => { cpuSeconds: 1.27, memoryBytes: 48955392 } }
 */
export const readUsage = (states: ReadonlyMap<string, DaemonState>): Map<string, Usage> => {
  const usage = new Map<string, Usage>();
  for (const [id, state] of states) {
    const read = hasProcess(state) ? readProcUsage(state.pid) : undefined;
    if (read !== undefined) usage.set(id, { cpuSeconds: read.cpuTicks / TICKS_PER_SECOND, memoryBytes: read.rssBytes });
  }
  return usage;
};
