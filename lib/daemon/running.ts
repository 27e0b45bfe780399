import type { Observable, SchedulerLike } from 'rxjs';
import type { ChildHandle, ExitStatus, OutputStart, ProcessDriver } from '../process/driver.js';
import type { ProcessIdentity } from '../process/identity.js';
import { pollUntilGone } from './liveness-poll.js';

/**
 * A process under supervision, whether this supervisor started it or
 * adopted it: what a run and a stop need of it. A child of ours has a null
 * start time: it cannot be reused before we reap it, and reading it would
 * cost every restart a /proc read.
 */
export interface Running extends ProcessIdentity {
  readonly adopted: boolean;
  /** Where a spawned run's output begins in its output files; unknown for an adopted process. */
  readonly outputStart?: OutputStart;
  /** Emits once when the process is gone. An adopted process is polled every `pollMs`. */
  exit(pollMs: number): Observable<ExitStatus>;
  /** Stops holding the process; it keeps running. */
  release(): void;
}

/** A child this supervisor spawned: its exit is an event, not a poll. */
export const spawnedProcess = (handle: ChildHandle): Running => ({
  pid: handle.pid,
  ...(handle.outputStart === undefined ? {} : { outputStart: handle.outputStart }),
  startTime: null,
  adopted: false,
  exit: () => handle.exit$,
  release: () => {
    handle.release();
  },
});

/** A process this supervisor did not start: only polling can tell when it is gone. */
export const adoptedProcess = (identity: ProcessIdentity, driver: ProcessDriver, scheduler: SchedulerLike): Running => ({
  pid: identity.pid,
  startTime: identity.startTime,
  adopted: true,
  exit: (pollMs) => pollUntilGone(driver, identity, pollMs, scheduler),
  release: () => undefined,
});
