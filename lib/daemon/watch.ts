import { Observable, Subscription } from 'rxjs';
import type { CheckTarget } from '../checks/check.js';
import type { DaemonEvent } from '../events.js';
import type { ExitStatus } from '../process/processes.js';
import type { DaemonContext } from './context.js';
import { health$ } from './health.js';
import { readiness$ } from './readiness.js';
import type { Ending } from './requests.js';
import type { Run, RunItem, StopReason } from './run.js';

/** What decided a run's end: its process's own exit, an ending or a restart asked for, or a failed check. */
export type Outcome = { readonly kind: 'exit'; readonly status: ExitStatus } | { readonly kind: Ending | StopReason };

/** What a decided outcome calls for: the rest of the run, ending with its `RunEnd`. `ready` says whether the run was ready by then. */
export type Settle = (context: DaemonContext, run: Run, outcome: Outcome, ready: boolean) => Observable<RunItem>;

/** What a check of this run looks at. */
const targetOf = (context: DaemonContext, run: Run): CheckTarget => {
  const { stdout, stderr, scheduler, driver, envNames } = context.options;
  const { pid, outputStart } = run.process;
  const id = context.spec.env[envNames.id];
  return {
    pid,
    ...(id === undefined ? {} : { id }),
    ...(typeof stdout === 'object' ? { stdout: stdout.file } : {}),
    ...(typeof stderr === 'object' ? { stderr: stderr.file } : {}),
    ...(outputStart?.stdout === undefined ? {} : { stdoutStart: outputStart.stdout }),
    ...(outputStart?.stderr === undefined ? {} : { stderrStart: outputStart.stderr }),
    ...(outputStart?.stdoutRotations === undefined ? {} : { stdoutRotations: outputStart.stdoutRotations }),
    ...(outputStart?.stderrRotations === undefined ? {} : { stderrRotations: outputStart.stderrRotations }),
    output: driver.files.output,
    scheduler,
  };
};

/**
 * A running process, watched until something decides how its run ends:
 * its exit, or the stop, close or restart asked for meanwhile, or its
 * checks failing, whichever comes first; then `settle` does what that
 * outcome calls for. On the way: `ready` (at once without a ready check;
 * `not-ready` past its timeout), then health checks (`health-failed`,
 * `unhealthy`), and R2: `stable` once it is ready and has run
 * `stableAfterMs`, timed from its own start and so never counting a
 * backoff; none of them for a one-shot task, which is never ready. A
 * decided outcome unsubscribes every check still running: a slow check
 * never delays a stop, and no check outlives its run. Once its outcome is
 * decided or it is unsubscribed (at any event, `ready` included), it
 * starts nothing more: no check, no timer.
 *
 * This is the state a daemon spends its life in, a thousand of them at
 * once, so it is written out by hand rather than composed of operators:
 * a few subscriptions and one timer, where `merge`, `take`, `connect`,
 * `takeUntil` and `mergeMap` held a dozen subscribers and some seventy
 * closures per daemon (P3).
 */
export const watch$ = (context: DaemonContext, run: Run, settle: Settle): Observable<RunItem> =>
  new Observable((subscriber) => {
    const { restart, scheduler, pollIntervalMs, health, ready: readyOptions } = context.options;
    const { pid } = run.process;
    // Every watch of the run, let go at once when its outcome is decided or when it is unsubscribed: closed, it lets
    // go at once what is added to it, and nothing new is started.
    const watches = new Subscription();
    subscriber.add(watches);
    let ready = false;
    let settled = false;
    const decided = (outcome: Outcome): void => {
      if (settled || watches.closed) return;
      settled = true;
      // What comes next subscribes before the watches let go, so that what both watch (an adopted process's
      // descriptor, its cgroup's inotify watch: shared) is handed over, not closed and set up again.
      settle(context, run, outcome, ready).subscribe(subscriber);
      watches.unsubscribe();
    };
    const watch = (start: () => Subscription): void => {
      if (!settled && !watches.closed) watches.add(start());
    };
    const emit = (event: DaemonEvent): void => {
      if (!settled && !watches.closed) subscriber.next(event);
    };
    // The exit first, so an exit already known when the run starts watching ends it as an exit.
    watch(() =>
      run.process.exit(pollIntervalMs).subscribe((status) => {
        decided({ kind: 'exit', status });
      }),
    );
    watch(() =>
      context.ending$.subscribe((kind) => {
        decided({ kind });
      }),
    );
    watch(() =>
      context.restart$.subscribe(() => {
        decided({ kind: 'restart' });
      }),
    );
    // A one-shot task is never ready: what waits for it waits for its completion, and no check or stable time applies.
    if (context.options.oneshot) return;
    const target = targetOf(context, run);
    watch(() =>
      readiness$(readyOptions, target).subscribe((readiness) => {
        const afterMs = scheduler.now() - run.followedAt;
        if (readiness.kind === 'not-ready') {
          emit(context.event('not-ready', { pid, afterMs, error: readiness.error }));
          decided({ kind: 'not-ready' });
          return;
        }
        ready = true;
        emit(context.event('ready', { pid, afterMs }));
        watch(() =>
          scheduler.schedule(
            () => {
              emit(context.event('stable', { pid }));
            },
            // R2 counts from the process's own start: an adopted one may have run long before it was adopted.
            Math.max(0, restart.stableAfterMs - (scheduler.now() - run.startedAt)),
          ),
        );
        if (health === undefined) return;
        watch(() =>
          health$(health, target).subscribe(({ failures, error, unhealthy }) => {
            emit(context.event('health-failed', { pid, failures, error }));
            if (!unhealthy) return;
            emit(context.event('unhealthy', { pid, failures, error }));
            decided({ kind: 'unhealthy' });
          }),
        );
      }),
    );
  });
