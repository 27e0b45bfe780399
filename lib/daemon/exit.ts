import { defer, of, type Observable } from 'rxjs';
import type { DaemonEvent, ExitedEvent } from '../events.js';
import type { ExitStatus } from '../process/driver.js';
import { RunEnd } from './run-end.js';
import type { Running } from './running.js';
import type { Supervision } from './supervision.js';

/** One run of a process: the process, its attempt (0 when adopted) and when it started, by the scheduler's clock. */
export interface Run {
  readonly running: Running;
  readonly attempt: number;
  readonly startedAt: number;
}

/** Why the supervisor itself ended a run, when it did. */
export type StopReason = NonNullable<ExitedEvent['reason']>;

/**
 * A run's end, once its process is gone: whatever is left of its process
 * group is ended first (S5), so a respawn never meets a dead leader's
 * workers still holding its port; then `exited`, and the {@link RunEnd}.
 */
export const exited$ = (sup: Supervision, run: Run, status: ExitStatus, reason?: StopReason): Observable<DaemonEvent | RunEnd> =>
  defer(() => {
    const { running, attempt, startedAt } = run;
    const { driver, killProcessGroup, scheduler } = sup.options;
    if (killProcessGroup) driver.endGroup(running);
    const runMs = scheduler.now() - startedAt;
    const { code, signal } = status;
    const requested = reason !== undefined;
    return of(
      sup.event('exited', { pid: running.pid, code, signal, adopted: running.adopted, attempt, runMs, requested, ...(requested ? { reason } : {}) }),
      new RunEnd(attempt, { kind: 'exited', code, signal, adopted: running.adopted }, runMs),
    );
  });
