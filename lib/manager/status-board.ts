import { hasProcess, idleBecause, initialState, type DaemonState, type LastExit } from '../daemon/state.js';
import { CpuMeter, readProcUsage } from '../process/proc-usage.js';
import type { DaemonReport } from './control-protocol.js';
import type { ManagerEvent } from './events.js';
import { DaemonStates } from './fold-states.js';

/** What is known of one daemon for `rxdaemon status`: its status, and of its process what could be told. */
export interface ReportFacts {
  readonly status: string;
  readonly pid?: number;
  /** When its process started (ms since the epoch): an adopted one's own start. */
  readonly since?: number;
  readonly restarts?: number;
  readonly lastExit?: LastExit;
  readonly cpuPercent?: number;
  readonly rssBytes?: number;
  readonly cause?: string;
}

/**
 * The one maker of a {@link DaemonReport}: what `rxdaemon status` shows of
 * daemon `id`, as of `now`; what is not known is null. The manager's board
 * makes it from each daemon's state, `recordedStatus` from the records when
 * no manager runs.
 *
 * @example
 * daemonReport('web', { status: 'running', pid: 812, since: 1_700_000_000_000, restarts: 0 }, Date.now());
 */
export const daemonReport = (id: string, facts: ReportFacts, now: number): DaemonReport => ({
  id,
  status: facts.status,
  pid: facts.pid ?? null,
  since: facts.since ?? null,
  uptimeMs: facts.since === undefined ? null : Math.max(0, now - facts.since),
  restarts: facts.restarts ?? null,
  lastExit: facts.lastExit ?? null,
  cpuPercent: facts.cpuPercent ?? null,
  rssBytes: facts.rssBytes ?? null,
  cause: facts.cause ?? null,
});

/**
 * M9: what `rxdaemon status` shows of a running manager, folded from its
 * events: each daemon's state, with its cause, as `Manager.states$` folds
 * it. A configured id no daemon ran for yet is idle, and says why: skipped
 * (an invalid entry, a record not restored, a process it cannot supervise
 * holding it), or not started yet. {@link report} adds what /proc says of
 * each process: CPU (over the time since the last report) and memory.
 */
export class StatusBoard {
  readonly #states: DaemonStates;
  /** Why ids were skipped, as the last `invalid-entry` or `restore-skipped` of each said. */
  readonly #skipped = new Map<string, string>();
  readonly #cpu = new CpuMeter();

  /** `states` are folded here, event by event (a manager's one fold: its facade reads them too). */
  constructor(states: DaemonStates = new DaemonStates()) {
    this.#states = states;
  }

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

  /** The state of every configured id (in order), then of any other daemon still known (one being stopped because it left the desired set). */
  states(configured: Iterable<string>): Map<string, DaemonState> {
    return new Map([...new Set([...configured, ...this.#states.ids()])].map((id) => [id, this.stateOf(id)]));
  }

  /** The report of each of {@link states}, as of `now` (ms since the epoch, the clock of the states). */
  report(configured: Iterable<string>, now: number): DaemonReport[] {
    const pids = new Set<number>();
    const reports = [...this.states(configured)].map(([id, state]) => {
      const live = hasProcess(state);
      const usage = live ? readProcUsage(state.pid) : undefined;
      if (live) pids.add(state.pid);
      const { status, restarts, lastExit, cause } = state;
      const process = live ? { pid: state.pid, since: state.since, cpuPercent: usage === undefined ? undefined : this.#cpu.percent(state.pid, usage), rssBytes: usage?.rssBytes } : {};
      return daemonReport(id, { status, restarts, lastExit, cause, ...process }, now);
    });
    this.#cpu.keepOnly(pids);
    return reports;
  }
}
