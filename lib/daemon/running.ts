import { type Observable } from 'rxjs';
import type { ChildHandle, ExitStatus, ProcessDriver } from '../process/driver.js';
import type { SchedulerLike } from 'rxjs';
import { pollUntilGone } from './liveness-poll.js';

/**
 * A process under supervision, whether this supervisor started it or
 * adopted it: what the restart loop and the stop need of it.
 */
export interface Running {
  readonly pid: number;
  readonly adopted: boolean;
  /** Known for an adopted process (it is what makes signalling it safe); null for a child of ours, which cannot be reused before we reap it. */
  readonly startTime: string | null;
  /** Emits once when the process is gone. An adopted process is polled every `pollMs`. */
  exit(pollMs: number): Observable<ExitStatus>;
  /** Stops holding the process; it keeps running. */
  release(): void;
}

/** A child this supervisor spawned: its exit is an event, not a poll. */
export const spawnedProcess = (handle: ChildHandle): Running => ({
  pid: handle.pid,
  adopted: false,
  startTime: null,
  exit: () => handle.exit$,
  release: () => {
    handle.release();
  },
});

/** What `supervise(…, { adopt })` takes: a live process and the start time that proves it is still the same one. */
export interface Adoptee {
  readonly pid: number;
  /** From /proc/<pid>/stat field 22; null where the OS does not tell, and then the pid alone is trusted. */
  readonly startTime: string | null;
}

/** A process this supervisor did not start: only polling can tell when it is gone. */
export const adoptedProcess = (adoptee: Adoptee, driver: ProcessDriver, scheduler: SchedulerLike): Running => ({
  pid: adoptee.pid,
  adopted: true,
  startTime: adoptee.startTime,
  exit: (pollMs) => pollUntilGone(driver, adoptee, pollMs, scheduler),
  release: () => undefined,
});
