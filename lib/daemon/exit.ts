import { defer, EMPTY, ignoreElements, interval, Observable, takeWhile } from 'rxjs';
import type { DaemonEvent, ExitedEvent } from '../events.js';
import type { ExitStatus } from '../process/processes.js';
import type { Stdio } from '../process/spawn-spec.js';
import { readTail } from '../output/tail.js';
import { RunEnd } from './run-end.js';
import type { Running } from './running.js';
import type { Supervision } from './supervision.js';

/** One run of a process: the process, its attempt, and times by the scheduler's clock. */
export interface Run {
  readonly running: Running;
  readonly attempt: number;
  /** When the process started: an adopted one's own start, long before this supervisor saw it (`runMs` and R2 count from here). */
  readonly startedAt: number;
  /** When this supervisor began to follow it, at its `started` or `adopted` (its checks' `afterMs` count from here). */
  readonly followedAt: number;
}

/** Why the supervisor itself ended a run, when it did. */
export type StopReason = NonNullable<ExitedEvent['reason']>;

/**
 * A run's end, once its process is gone: whatever is left of its process
 * group is ended first, and waited for (S5), so a respawn never meets a
 * dead leader's workers still holding its port; then `exited`, and the
 * {@link RunEnd}. `runMs` is the run's, not counting that wait.
 */
export const exited$ = (sup: Supervision, run: Run, status: ExitStatus, ready: boolean, reason?: StopReason): Observable<DaemonEvent | RunEnd> =>
  new Observable<DaemonEvent | RunEnd>((subscriber) => {
    const { running, attempt, startedAt } = run;
    const { driver, killProcessGroup, scheduler } = sup.options;
    const runMs = scheduler.now() - startedAt;
    const ended = killProcessGroup && driver.processes.endGroup(running);
    const { code, signal } = status;
    const requested = reason !== undefined;
    const tail = tailOf(sup, running);
    // Timed when the leftovers are gone, not before.
    const report = (): void => {
      subscriber.next(sup.event('exited', { pid: running.pid, code, signal, adopted: running.adopted, attempt, runMs, requested, ...(requested ? { reason } : {}), tail }));
      subscriber.next(new RunEnd(attempt, { kind: 'exited', code, signal, adopted: running.adopted, ...(reason === 'not-ready' || reason === 'unhealthy' ? { reason } : {}) }, runMs, reason, ready));
      subscriber.complete();
    };
    if (!ended) {
      report();
      return undefined;
    }
    return leftoversGone$(sup, running.pid).subscribe({ complete: report });
  });

/** The crash report: the last lines this run wrote to its stderr file, else (none there, or none written) its stdout file; none when neither is a file. */
const tailOf = (sup: Supervision, running: Running): string[] => {
  const { stdout, stderr, tailLines, driver } = sup.options;
  const tail = (target: Stdio | undefined, start: number | undefined, rotations: number | undefined): string[] =>
    typeof target === 'object' ? readTail(driver.files.output, target.file, start ?? 0, tailLines, rotations) : [];
  const { outputStart } = running;
  const fromStderr = tail(stderr, outputStart?.stderr, outputStart?.stderrRotations);
  return fromStderr.length > 0 ? fromStderr : tail(stdout, outputStart?.stdout, outputStart?.stdoutRotations);
};

/** How long the end of a run waits for leftovers it SIGKILLed to be gone: orphans nobody reaps (a supervisor that is PID 1) stay zombies forever. */
const LEFTOVERS_WAIT_MS = 1_000;

/**
 * Completes once nothing is left in the group: a SIGKILL takes effect when
 * its target next runs, a moment after it is sent, and until then the
 * leftovers may still hold the port a respawn needs. Polled fast, on the
 * scheduler, and never for more than {@link LEFTOVERS_WAIT_MS}.
 */
const leftoversGone$ = (sup: Supervision, pgid: number): Observable<never> => {
  const { driver, scheduler, stopPollIntervalMs } = sup.options;
  return defer(() =>
    driver.processes.groupRemains(pgid)
      ? interval(stopPollIntervalMs, scheduler).pipe(
          takeWhile((tick) => driver.processes.groupRemains(pgid) && (tick + 1) * stopPollIntervalMs < LEFTOVERS_WAIT_MS),
          ignoreElements(),
        )
      : EMPTY,
  );
};
