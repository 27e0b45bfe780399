import { defer, of, type Observable } from 'rxjs';
import type { DaemonContext } from './context.js';
import { RunEnd, type Run, type RunItem } from './run.js';

/**
 * S4, a run closed: no signal, the process runs on and the pid file stays.
 * The run ends with its process let go, and the life with `closed`.
 */
export const release$ = (context: DaemonContext, run: Run, ready: boolean): Observable<RunItem> =>
  defer(() => {
    run.process.release();
    return of(new RunEnd(run.attempt, { kind: 'closed', pid: run.process.pid }, context.options.scheduler.now() - run.startedAt, undefined, ready));
  });
