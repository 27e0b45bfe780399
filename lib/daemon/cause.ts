import type { DaemonEventOf, ExitedEvent, StopReason } from '../events.js';

/*
 * The words of `DaemonState.cause`: why a daemon's state, other than
 * `running`, is what it is. Pure, one maker per kind of cause, so that the
 * status table, `--json` and `states$` say the same thing in the same words.
 */

/** Why a daemon is idle before its `start()`. */
export const NOT_STARTED = 'not started yet';

/** Why a process that runs is not `running`: its ready check has not passed yet (without one, it passes at once). */
export const NOT_READY = 'not ready yet';

/** Why a daemon is stopped: only a stop asked for (`stop()`, `stop$`, an unsubscribe, a manager's stop) ends one so. */
export const STOPPED = 'stopped on request';

/** Why a one-shot task that an earlier manager saw complete is not run again (its `lastExit` says when). */
export const COMPLETED_BEFORE = 'exited with code 0 under an earlier manager, in this boot: not run again unless its definition changes';

/** Why a daemon is closed: only `close()` or `close$` ends one so. */
export const CLOSED = 'closed on request';

/** Why a daemon spawns. */
export const spawningCause = (attempt: number): string => `spawning (attempt ${attempt})`;

/**
 * An end the supervisor did not ask for, with the last line of its crash
 * report: `exited with code 3: Error: EADDRINUSE`, `killed by SIGSEGV`;
 * for an adopted process, whose code is not known, `pid 812 ended`.
 */
export const exitCause = (event: ExitedEvent): string => {
  const how =
    event.reason === 'oom' ? `killed by the kernel's OOM killer: its cgroup went over memoryMax`
    : event.adopted ? `pid ${event.pid} ended`
    : event.signal === null ? `exited with code ${String(event.code)}`
    : `killed by ${event.signal}`;
  const last = event.tail.at(-1);
  return last === undefined ? how : `${how}: ${last}`;
};

/** A spawn that failed, with the real cause. */
export const spawnFailedCause = (event: DaemonEventOf<'spawn-failed'>): string => `spawn failed: ${event.error.message}`;

/** A ready check that did not pass in time, with its last failure. */
export const notReadyCause = (event: DaemonEventOf<'not-ready'>): string => `not ready after ${event.afterMs} ms: ${event.error.message}`;

/** Health checks that failed in a row, with the last failure. */
export const unhealthyCause = (event: DaemonEventOf<'unhealthy'>): string => `unhealthy: ${event.failures} health checks failed in a row: ${event.error.message}`;

/**
 * Why the supervisor ends a run: a stop or a restart asked for; a failed
 * check keeps the cause its event gave (`before`).
 */
export const stopCause = (reason: StopReason, before: string | undefined): string | undefined => {
  switch (reason) {
    case 'stop':
      return 'stopping on request';
    case 'restart':
      return 'restarting on request';
    default:
      return before;
  }
};

const counted = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** A duration as a cause says it: `500 ms`, `1.5 s`, `60 s`. */
const duration = (ms: number): string => (ms < 1_000 ? `${ms} ms` : `${Number((ms / 1_000).toFixed(3))} s`);

/**
 * What ran out when a policy gave up: `5 restarts in 60 s` (a limit of
 * restarts), `3 attempts` (of attempts in a row); or `a failed spawn` that
 * its rule does not restart (a run that never started cannot complete).
 *
 * @example
 * gaveUpAfter({ type: 'gave-up', at: 0, attempts: 2, reason: 'restarts-exhausted', limit: { max: 5, withinMs: 60_000 } }); // '5 restarts in 60 s'
 */
export const gaveUpAfter = ({ attempts, reason, limit }: DaemonEventOf<'gave-up'>): string => {
  if (limit !== undefined) return `${counted(limit.max, 'restart')} in ${duration(limit.withinMs)}`;
  switch (reason) {
    case 'attempts-exhausted':
      return counted(attempts, 'attempt');
    case 'spawn-failed':
      return 'a failed spawn';
    case 'restarts-exhausted':
      return `${counted(attempts, 'attempt')} (${reason})`;
  }
};

/** A policy that gave up: what ran out, and the trouble before (`last`). */
export const gaveUpCause = (event: DaemonEventOf<'gave-up'>, last: string | undefined): string => `gave up after ${gaveUpAfter(event)}${last === undefined ? '' : `; last: ${last}`}`;
