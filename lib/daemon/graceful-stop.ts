import { isRight } from 'fp-ts/lib/Either.js';
import { concat, defer, EMPTY, map, mergeAll, mergeMap, of, race, timer, type Observable } from 'rxjs';
import type { ExitStatus } from '../process/driver.js';
import type { DaemonEvent } from '../events.js';
import { exited$, type Run, type StopReason } from './exit.js';
import type { RunEnd } from './run-end.js';
import type { Supervision } from './supervision.js';

/**
 * S3 for a running process: the stop signal, then up to `gracefulStopMs`
 * for the exit, then SIGKILL and the exit confirmed; it ends with the
 * run's `exited` (requested, with `reason`) and its end. An adopted process
 * is polled fast meanwhile, so the stop ends soon after it does.
 */
export const gracefulStop$ = (sup: Supervision, run: Run, reason: StopReason, ready: boolean): Observable<DaemonEvent | RunEnd> =>
  defer(() => {
    const { running } = run;
    const { gracefulStopMs, scheduler, stopPollIntervalMs, stopSignal, logger } = sup.options;
    const status$ = running.exit(stopPollIntervalMs);
    const end$ = (status: ExitStatus) => exited$(sup, run, status, ready, reason);
    const sent = sup.signal(running, stopSignal);
    if (!isRight(sent)) {
      // Gone already (its exit is on the way) or not ours to signal: either way, SIGKILL after the grace period settles it.
      logger.debug(`rxdaemon: ${stopSignal} to ${running.pid} not sent: ${sent.left.message}`);
    }
    // A SIGKILL refused because the process is already gone (ESRCH, a reused
    // pid) needs no report: its exit is about to be observed.
    const kill$ = defer(() => {
      sup.signal(running, 'SIGKILL');
      return concat(of(sup.event('killing', { pid: running.pid, signal: 'SIGKILL' })), status$.pipe(mergeMap(end$)));
    });
    return concat(
      isRight(sent) ? of(sup.event('stopping', { pid: running.pid, signal: stopSignal })) : EMPTY,
      // Decided by the exit itself, not by `exited`, which S5's wait for the group's leftovers delays: the grace period does not run out during that wait.
      race(status$.pipe(map(end$)), timer(gracefulStopMs, scheduler).pipe(map(() => kill$))).pipe(mergeAll()),
    );
  });
