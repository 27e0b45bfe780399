import { idleBecause, initialState, type DaemonState } from '../daemon/state.js';
import { CpuMeter, readProcUsage } from '../process/proc-usage.js';
import type { DaemonReport } from './control-protocol.js';
import type { ManagerEvent } from './events.js';
import { DaemonStates } from './fold-states.js';

/** Since when a process runs, and for how long: as its state says (an adopted one's own start, which its `adopted` event carries). */
const timesOf = (since: number | undefined, now: number): Pick<DaemonReport, 'since' | 'uptimeMs'> =>
  since === undefined ? { since: null, uptimeMs: null } : { since, uptimeMs: Math.max(0, now - since) };

/** A state that has a live process: the statuses in which `pid` is one. */
const hasProcess = (state: DaemonState): state is DaemonState & { readonly pid: number } => state.pid !== undefined && state.status !== 'closed';

/**
 * M9: what `rxdaemon status` shows of a running manager, folded from its
 * events: each daemon's state, with its cause, as `Manager.states$` folds
 * it. A configured id no daemon ran for yet is idle, and says why: skipped
 * (an invalid entry, a record not restored, a process it cannot supervise
 * holding it), or not started yet. {@link report} adds what /proc says of
 * each process: CPU (over the time since the last report) and memory.
 */
export class StatusBoard {
  readonly #states = new DaemonStates();
  /** Why ids were skipped, as the last `invalid-entry` or `restore-skipped` of each said. */
  readonly #skipped = new Map<string, string>();
  readonly #cpu = new CpuMeter();

  /** Takes in one event of the manager. */
  see(event: ManagerEvent): void {
    this.#states.see(event);
    if (event.type === 'invalid-entry' || event.type === 'restore-skipped') this.#skipped.set(event.id, event.message);
  }

  /** The state of `id`, as `Manager.states$` has it; one that no daemon ran for yet, idle with why. */
  stateOf(id: string): DaemonState {
    const state = this.#states.get(id);
    if (state !== undefined) return state;
    const skipped = this.#skipped.get(id);
    return skipped === undefined ? initialState : idleBecause(initialState, skipped);
  }

  /**
   * Every configured id (in order), then any other daemon still known (one
   * being stopped because it left the desired set), as of `now` (ms since
   * the epoch, the clock of the states).
   */
  report(configured: Iterable<string>, now: number): DaemonReport[] {
    const ids = new Set([...configured, ...this.#states.ids()]);
    const pids = new Set<number>();
    const reports = [...ids].map((id): DaemonReport => {
      const state = this.stateOf(id);
      const live = hasProcess(state);
      const usage = live ? readProcUsage(state.pid) : undefined;
      if (live) pids.add(state.pid);
      return {
        id,
        status: state.status,
        pid: live ? state.pid : null,
        ...timesOf(live ? state.since : undefined, now),
        restarts: state.restarts,
        lastExit: state.lastExit ?? null,
        cpuPercent: live && usage !== undefined ? this.#cpu.percent(state.pid, usage) : null,
        rssBytes: usage?.rssBytes ?? null,
        cause: state.cause ?? null,
      };
    });
    this.#cpu.keepOnly(pids);
    return reports;
  }
}
