import { initialState, type DaemonState } from '../daemon/state.js';
import type { DaemonEvent } from '../events.js';
import { CpuMeter, readProcUsage } from '../process/proc-usage.js';
import type { DaemonReport } from './control-protocol.js';
import type { ManagerEvent } from './events.js';
import { DaemonStates } from './fold-states.js';
import { heldCause } from './room.js';

/** How an unasked-for exit reads in a cause, with the last line of its crash report. */
const exitCause = (event: Extract<DaemonEvent, { type: 'exited' }>): string => {
  const how = event.adopted ? `pid ${event.pid} ended` : event.signal === null ? `exited with code ${String(event.code)}` : `killed by ${event.signal}`;
  const last = event.tail.at(-1);
  return last === undefined ? how : `${how}: ${last}`;
};

/**
 * What an event says about why a daemon is in trouble: a new cause, null
 * when the trouble is over (a stable run; a stop the operator asked for),
 * undefined when it says nothing of it.
 */
const causeOf = (event: ManagerEvent, before: string | undefined): string | null | undefined => {
  switch (event.type) {
    case 'spawn-failed':
      return `spawn failed: ${event.error.message}`;
    case 'not-ready':
      return `not ready after ${event.afterMs} ms: ${event.error.message}`;
    case 'health-failed':
      return `health check failed (${event.failures} in a row): ${event.error.message}`;
    case 'unhealthy':
      return `unhealthy: ${before ?? `${event.failures} health checks failed in a row`}`;
    case 'exited':
      return event.requested ? undefined : exitCause(event);
    case 'gave-up':
      return `gave up after ${event.attempts} attempts (${event.reason})${before === undefined ? '' : `; last: ${before}`}`;
    case 'invalid-entry':
    case 'restore-skipped':
      return event.message;
    case 'stable':
    case 'stopped':
      return null;
    default:
      return undefined;
  }
};

/** Since when a process runs, and for how long: as its state says (an adopted one's own start, which its `adopted` event carries). */
const timesOf = (since: number | undefined, now: number): Pick<DaemonReport, 'since' | 'uptimeMs'> =>
  since === undefined ? { since: null, uptimeMs: null } : { since, uptimeMs: Math.max(0, now - since) };

/** A state that has a live process: the statuses in which `pid` is one. */
const hasProcess = (state: DaemonState): state is DaemonState & { readonly pid: number } => state.pid !== undefined && state.status !== 'closed';

/**
 * M9: what `rxdaemon status` shows of a running manager, folded from its
 * events: each daemon's state (as `Manager.states$` folds it) and the cause
 * of its trouble, if any. {@link report} adds what /proc says of each
 * process: CPU (over the time since the last report) and memory.
 */
export class StatusBoard {
  readonly #states = new DaemonStates();
  readonly #causes = new Map<string, string>();
  /** Ids a limit of the OS holds back, with why: as the last `limit-reached` said, less those launched since. */
  readonly #held = new Map<string, string>();
  readonly #cpu = new CpuMeter();

  /** Takes in one event of the manager. */
  see(event: ManagerEvent): void {
    this.#states.see(event);
    this.#seeHeld(event);
    if (!('id' in event)) return;
    const cause = causeOf(event, this.#causes.get(event.id));
    if (cause === null) this.#causes.delete(event.id);
    else if (cause !== undefined) this.#causes.set(event.id, cause);
  }

  // A reconcile holds anew (its limit-reached follows it); launched (spawning, waiting) or stopped, an id is held no more.
  #seeHeld(event: ManagerEvent): void {
    if (event.type === 'reconcile') this.#held.clear();
    else if (event.type === 'limit-reached') {
      this.#held.clear();
      for (const id of event.held) this.#held.set(id, heldCause(event));
    } else if (event.type === 'spawning' || event.type === 'waiting' || event.type === 'stopped') this.#held.delete(event.id);
  }

  /** Whether a daemon of `id` is under way (not ended, nor never begun): a stop of it has an end to wait for. */
  runs(id: string): boolean {
    return this.#states.runs(id);
  }

  /**
   * Every configured id (in order), then any other daemon still known (one
   * being stopped because it left the desired set), as of `now` (ms since
   * the epoch, the clock of the states).
   */
  report(configured: Iterable<string>, now: number): DaemonReport[] {
    const ids = new Set([...configured, ...this.#states.ids()]);
    const pids = new Set<number>();
    const reports = [...ids].map((id) => {
      const state = this.#states.get(id) ?? initialState;
      const live = hasProcess(state);
      const usage = live ? readProcUsage(state.pid) : undefined;
      if (live) pids.add(state.pid);
      const cause = this.#held.get(id) ?? this.#causes.get(id);
      const report: DaemonReport = {
        id,
        status: state.status,
        pid: live ? state.pid : null,
        ...timesOf(live ? state.since : undefined, now),
        restarts: state.restarts,
        lastExit: state.lastExit ?? null,
        cpuPercent: live && usage !== undefined ? this.#cpu.percent(state.pid, usage) : null,
        rssBytes: usage?.rssBytes ?? null,
      };
      return { ...report, ...(state.waitingFor === undefined ? {} : { waitingFor: [...state.waitingFor] }), ...(cause === undefined ? {} : { cause }) };
    });
    this.#cpu.keepOnly(pids);
    return reports;
  }
}
