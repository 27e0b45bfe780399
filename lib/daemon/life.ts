import { defer, Observable, of, Subscription } from 'rxjs';
import type { DaemonEvent } from '../events.js';
import type { ExitStatus } from '../process/processes.js';
import { exited$, type Run, type StopReason } from './exit.js';
import { gracefulStop$ } from './graceful-stop.js';
import { RunEnd } from './run-end.js';
import type { Ending, Supervision } from './supervision.js';
import type { CheckTarget } from '../checks/check.js';
import { health$ } from './health.js';
import { readiness$ } from './readiness.js';

/** What ends a run: its process's own exit, an ending asked for, a restart asked for, or a failed check. */
type Outcome = { readonly kind: 'exit'; readonly status: ExitStatus } | { readonly kind: Ending | StopReason };

const settle$ = (sup: Supervision, run: Run, outcome: Outcome, ready: boolean): Observable<DaemonEvent | RunEnd> => {
  switch (outcome.kind) {
    case 'exit':
      return exited$(sup, run, outcome.status, ready);
    case 'close':
      // S4: no signal; the process runs on, and the pid file stays.
      return defer(() => {
        run.running.release();
        return of(new RunEnd(run.attempt, { kind: 'closed', pid: run.running.pid }, sup.options.scheduler.now() - run.startedAt, undefined, ready));
      });
    default:
      return gracefulStop$(sup, run, outcome.kind, ready);
  }
};

/** What a check of this run looks at. */
const targetOf = (sup: Supervision, run: Run): CheckTarget => {
  const { stdout, stderr, scheduler, driver } = sup.options;
  const { pid, outputStart } = run.running;
  const id = sup.spec.env[sup.options.envNames.id];
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
 * A running process, followed to the end of its run: its exit, or the stop,
 * close or restart asked for meanwhile, or its checks failing, whichever
 * comes first; then what that outcome calls for, ending with the run's
 * {@link RunEnd}. On the way: `ready` (at once without a ready check;
 * `not-ready` past its timeout), then health checks (`health-failed`,
 * `unhealthy`), and R2: `stable` once it is ready and has run
 * `stableAfterMs`, timed from its own start and so never counting a
 * backoff; none of them for a one-shot task, which is never ready. A decided outcome unsubscribes every check still running: a
 * slow check never delays a stop, and no check outlives its run. Once its
 * outcome is decided or it is unsubscribed (at any event, `ready`
 * included), it starts nothing more: no check, no timer.
 *
 * This is the state a daemon spends its life in, a thousand of them at
 * once, so it is written out by hand rather than composed of operators:
 * a few subscriptions and one timer, where `merge`, `take`, `connect`,
 * `takeUntil` and `mergeMap` held a dozen subscribers and some seventy
 * closures per daemon (P3).
 */
export const life$ = (sup: Supervision, run: Run): Observable<DaemonEvent | RunEnd> =>
  new Observable((subscriber) => {
    const { restart, scheduler, pollIntervalMs, health } = sup.options;
    const { pid } = run.running;
    // Every watch of the run, let go at once when its outcome is decided or when it is unsubscribed: closed, it lets
    // go at once what is added to it, and nothing new is started.
    const watches = new Subscription();
    subscriber.add(watches);
    let ready = false;
    const decide = (outcome: Outcome): void => {
      if (watches.closed) return;
      watches.unsubscribe();
      settle$(sup, run, outcome, ready).subscribe(subscriber);
    };
    const watch = (start: () => Subscription): void => {
      if (!watches.closed) watches.add(start());
    };
    const emit = (event: DaemonEvent): void => {
      if (!watches.closed) subscriber.next(event);
    };
    // The exit first, so an exit already known when the run starts watching ends it as an exit.
    watch(() =>
      run.running.exit(pollIntervalMs).subscribe((status) => {
        decide({ kind: 'exit', status });
      }),
    );
    watch(() =>
      sup.ending$.subscribe((kind) => {
        decide({ kind });
      }),
    );
    watch(() =>
      sup.restart$.subscribe(() => {
        decide({ kind: 'restart' });
      }),
    );
    // A one-shot task is never ready: what waits for it waits for its completion, and no check or stable time applies.
    if (sup.options.oneshot) return;
    const target = targetOf(sup, run);
    watch(() =>
      readiness$(sup.options.ready, target).subscribe((readiness) => {
        const afterMs = scheduler.now() - run.followedAt;
        if (readiness.kind === 'not-ready') {
          emit(sup.event('not-ready', { pid, afterMs, error: readiness.error }));
          decide({ kind: 'not-ready' });
          return;
        }
        ready = true;
        emit(sup.event('ready', { pid, afterMs }));
        watch(() =>
          scheduler.schedule(
            () => {
              emit(sup.event('stable', { pid }));
            },
            // R2 counts from the process's own start: an adopted one may have run long before it was adopted.
            Math.max(0, restart.stableAfterMs - (scheduler.now() - run.startedAt)),
          ),
        );
        if (health === undefined) return;
        watch(() =>
          health$(health, target).subscribe(({ failures, error, unhealthy }) => {
            emit(sup.event('health-failed', { pid, failures, error }));
            if (!unhealthy) return;
            emit(sup.event('unhealthy', { pid, failures, error }));
            decide({ kind: 'unhealthy' });
          }),
        );
      }),
    );
  });
