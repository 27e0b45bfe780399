import { defer, EMPTY, ignoreElements, interval, Observable, takeWhile } from 'rxjs';
import type { ExitStatus } from '../process/processes.js';
import type { Stdio } from '../process/spawn-spec.js';
import { readTail } from '../output/tail.js';
import type { DaemonContext } from './context.js';
import type { LiveProcess } from './live-process.js';
import { RunEnd, type Run, type RunItem, type StopReason } from './run.js';

/**
 * A run's end, once its process is gone: whatever is left of its process
 * group is ended first, and waited for (S5), so a respawn never meets a
 * dead leader's workers still holding its port; then `exited`, and the
 * {@link RunEnd}. `runMs` is the run's, not counting that wait.
 */
export const exited$ = (context: DaemonContext, run: Run, status: ExitStatus, ready: boolean, reason?: StopReason): Observable<RunItem> =>
  new Observable<RunItem>((subscriber) => {
    const { process, attempt, startedAt } = run;
    const { driver, killProcessGroup, scheduler } = context.options;
    const runMs = scheduler.now() - startedAt;
    const ended = killProcessGroup && driver.processes.endGroup(process);
    const { code, signal } = status;
    const requested = reason !== undefined;
    const tail = tailOf(context, process);
    // Timed when the leftovers are gone, not before.
    const report = (): void => {
      subscriber.next(context.event('exited', { pid: process.pid, code, signal, adopted: process.adopted, attempt, runMs, requested, ...(requested ? { reason } : {}), tail }));
      subscriber.next(new RunEnd(attempt, { kind: 'exited', code, signal, adopted: process.adopted, ...(reason === 'not-ready' || reason === 'unhealthy' ? { reason } : {}) }, runMs, reason, ready));
      subscriber.complete();
    };
    if (!ended) {
      report();
      return undefined;
    }
    return leftoversGone$(context, process.pid).subscribe({ complete: report });
  });

/** The crash report: the last lines this run wrote to its stderr file, else (none there, or none written) its stdout file; none when neither is a file. */
const tailOf = (context: DaemonContext, process: LiveProcess): string[] => {
  const { stdout, stderr, tailLines, driver } = context.options;
  const tail = (target: Stdio | undefined, start: number | undefined, rotations: number | undefined): string[] =>
    typeof target === 'object' ? readTail(driver.files.output, target.file, start ?? 0, tailLines, rotations) : [];
  const { outputStart } = process;
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
const leftoversGone$ = (context: DaemonContext, pgid: number): Observable<never> => {
  const { driver, scheduler, stopPollIntervalMs } = context.options;
  return defer(() =>
    driver.processes.groupRemains(pgid)
      ? interval(stopPollIntervalMs, scheduler).pipe(
          takeWhile((tick) => driver.processes.groupRemains(pgid) && (tick + 1) * stopPollIntervalMs < LEFTOVERS_WAIT_MS),
          ignoreElements(),
        )
      : EMPTY,
  );
};
