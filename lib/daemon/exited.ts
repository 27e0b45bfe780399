import { defer, EMPTY, ignoreElements, interval, Observable, takeWhile, tap } from 'rxjs';
import { endCgroup$, LEFTOVERS_WAIT_MS } from '../process/end-cgroup.js';
import type { ExitStatus } from '../process/processes.js';
import type { Stdio } from '../process/spawn-spec.js';
import { readTail } from '../output/tail.js';
import type { DaemonContext } from './context.js';
import { EMPTIED_EXIT, type LiveProcess } from './live-process.js';
import { RunEnd, type Run, type RunItem, type StopReason } from './run.js';

/**
 * A run's end, once its process is gone: whatever is left of it is ended
 * first, and waited for, so a respawn never meets a dead leader's workers
 * still holding its port: in its cgroup (Containment) every process,
 * setsid escapees included, through `cgroup.kill`, until the cgroup is
 * empty; else its process group (S5). Then `exited` (`reason: 'oom'` when
 * the cgroup's OOM kills rose during the run), and the {@link RunEnd}.
 * `runMs` is the run's, not counting that wait.
 */
export const exited$ = (context: DaemonContext, run: Run, status: ExitStatus, ready: boolean, reason?: StopReason): Observable<RunItem> =>
  new Observable<RunItem>((subscriber) => {
    const { process, attempt, startedAt } = run;
    const { driver, killProcessGroup, scheduler } = context.options;
    const runMs = scheduler.now() - startedAt;
    const { cgroup } = process;
    const leftovers$ =
      cgroup !== undefined ? (status !== EMPTIED_EXIT && driver.cgroups.isPopulated(cgroup) ? cgroupEmptied$(context, cgroup) : undefined)
      : killProcessGroup && driver.processes.endGroup(process) ? leftoversGone$(context, process.pid)
      : undefined;
    const { code, signal } = status;
    const requested = reason !== undefined;
    const tail = tailOf(context, process);
    // Timed when the leftovers are gone, not before.
    const report = (): void => {
      const why = reason ?? (oomKilled(context, run) ? 'oom' : undefined);
      subscriber.next(context.event('exited', { pid: process.pid, code, signal, adopted: process.adopted, attempt, runMs, requested, ...(why === undefined ? {} : { reason: why }), tail }));
      subscriber.next(new RunEnd(attempt, { kind: 'exited', code, signal, adopted: process.adopted, ...(reason === 'not-ready' || reason === 'unhealthy' ? { reason } : {}) }, runMs, reason, ready));
      subscriber.complete();
    };
    if (leftovers$ === undefined) {
      report();
      return undefined;
    }
    return leftovers$.subscribe({ complete: report });
  });

/** Whether the OOM killer ended a process of the run's cgroup while it ran. */
const oomKilled = (context: DaemonContext, { process, oomKills }: Run): boolean =>
  process.cgroup !== undefined && oomKills !== undefined && (context.options.driver.cgroups.oomKills(process.cgroup) ?? 0) > oomKills;

/**
 * Completes once cgroup `dir`, found holding processes after its leader's
 * exit, holds none, or gives up on it (see {@link endCgroup$}): a stop must
 * end even where a process outlives the kill.
 */
const cgroupEmptied$ = (context: DaemonContext, dir: string): Observable<never> => {
  const { driver, scheduler, logger } = context.options;
  return endCgroup$(driver.cgroups, dir, scheduler).pipe(
    tap((end) => {
      if (end.kind === 'not-killed') logger.warn(`rxdaemon: the processes left in ${dir} were not ended: ${end.problem.message}`);
      // Its events cannot be watched (past the inotify limit): ended all the same, and not waited for.
      else if (end.kind === 'unwatched') logger.debug(`rxdaemon: ${dir}'s cgroup.events cannot be watched: ${String(end.error)}`);
    }),
    ignoreElements(),
  );
};

/** The crash report: the last lines this run wrote to its stderr file, else (none there, or none written) its stdout file; none when neither is a file. */
const tailOf = (context: DaemonContext, process: LiveProcess): string[] => {
  const { stdout, stderr, tailLines, driver } = context.options;
  const tail = (target: Stdio | undefined, start: number | undefined, rotations: number | undefined): string[] =>
    typeof target === 'object' ? readTail(driver.files.output, target.file, start ?? 0, tailLines, rotations) : [];
  const { outputStart } = process;
  const fromStderr = tail(stderr, outputStart?.stderr, outputStart?.stderrRotations);
  return fromStderr.length > 0 ? fromStderr : tail(stdout, outputStart?.stdout, outputStart?.stdoutRotations);
};

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
