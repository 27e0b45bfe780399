import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { Observable, Subscription } from 'rxjs';
import type { DaemonContext } from './context.js';
import { exited$ } from './exited.js';
import type { Run, RunItem, StopReason } from './run.js';

/**
 * S3 for a running process: the stop signal, then up to `gracefulStopMs`
 * for the exit, then SIGKILL and the exit confirmed; it ends with the
 * run's `exited` (requested, with `reason`) and its end. An adopted process
 * is polled fast meanwhile, so the stop ends soon after it does.
 *
 * Written out by hand, as the watch it follows is: 10,000 daemons stopped at
 * once each held a `race`, a `timer`, `mergeAll` and the rest alive until
 * their exits came, and the collector paid for it. Unsubscribed at
 * `stopping`, it watches nothing and sets no grace timer.
 */
export const gracefulStop$ = (context: DaemonContext, run: Run, reason: StopReason, ready: boolean): Observable<RunItem> =>
  new Observable<RunItem>((subscriber) => {
    const { process } = run;
    const { gracefulStopMs, scheduler, stopPollIntervalMs, stopSignal, logger } = context.options;
    const sent = context.signal(process, stopSignal);
    if (isRight(sent)) subscriber.next(context.event('stopping', { pid: process.pid, signal: stopSignal, reason }));
    // Gone already (its exit is on the way) or not ours to signal: either way, SIGKILL after the grace period settles it.
    else logger.debug(`rxdaemon: ${stopSignal} to ${process.pid} not sent: ${sent.left.message}`);
    if (subscriber.closed) return;
    // The grace period, let go when the exit comes first.
    const grace = new Subscription();
    subscriber.add(grace);
    // Decided by the exit itself, not by `exited`, which S5's wait for the group's leftovers delays: the grace period
    // does not run out during that wait. The same watch confirms the exit after a SIGKILL.
    subscriber.add(
      process.exit(stopPollIntervalMs).subscribe((status) => {
        grace.unsubscribe();
        exited$(context, run, status, ready, reason).subscribe(subscriber);
      }),
    );
    // Closed already: the exit was known at once, or the subscriber left meanwhile.
    if (grace.closed) return;
    grace.add(
      scheduler.schedule(() => {
        // In a cgroup, every process of the service at once, escapees included; the exit that follows finds the cgroup empty.
        const killed = process.cgroup === undefined ? undefined : context.options.driver.cgroups.kill(process.cgroup);
        if (killed !== undefined && isLeft(killed)) logger.warn(`rxdaemon: ${process.cgroup ?? ''} not killed, so its leader alone is: ${killed.left.message}`);
        // Refused because the process is already gone (ESRCH, a reused pid), it needs no report: its exit is about to be observed.
        if (killed === undefined || isLeft(killed)) context.signal(process, 'SIGKILL');
        subscriber.next(context.event('killing', { pid: process.pid, signal: 'SIGKILL' }));
      }, gracefulStopMs),
    );
  });
