import { hasProcess, idleBecause, initialState, type DaemonState, type LastExit } from '../daemon/state.js';
import { CpuMeter } from '../metrics/cpu-meter.js';
import { cgroupCpuKey, lookAtUsage, type UsageLook, type UsageScope } from '../metrics/usage.js';
import type { Cgroups } from '../process/cgroups.js';
import { systemCgroups } from '../process/cgroup/system-cgroups.js';
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
  /** Whose CPU `cpuPercent` is: the service's cgroup (its whole tree) or its leader alone. */
  readonly cpuScope?: UsageScope;
  readonly rssBytes?: number;
  /** Whose memory `rssBytes` is: the cgroup's `memory.current`, or the leader's resident memory. */
  readonly memoryScope?: UsageScope;
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
  cpuScope: facts.cpuScope ?? null,
  rssBytes: facts.rssBytes ?? null,
  memoryScope: facts.memoryScope ?? null,
  cause: facts.cause ?? null,
});

/**
 * M9: what `rxdaemon status` shows of a running manager, folded from its
 * events: each daemon's state, with its cause, as `Manager.states$` folds
 * it. A configured id no daemon ran for yet is idle, and says why: skipped
 * (an invalid entry, a record not restored, a process it cannot supervise
 * holding it), or not started yet. {@link report} adds what each process
 * has cost: CPU (over the time since the last report) and memory, of the
 * service's whole tree where it runs in a cgroup (see `lookAtUsage`).
 */
export class StatusBoard {
  readonly #states: DaemonStates;
  /** Why ids were skipped, as the last `invalid-entry` or `restore-skipped` of each said. */
  readonly #skipped = new Map<string, string>();
  readonly #cpu = new CpuMeter();
  readonly #cgroups: Cgroups;

  /** `states` are folded here, event by event (a manager's one fold: its facade reads them too); `cgroups` are the driver's, which measure a state's cgroup. */
  constructor(states: DaemonStates = new DaemonStates(), cgroups: Cgroups = systemCgroups) {
    this.#states = states;
    this.#cgroups = cgroups;
  }

  /** Takes in one event of the manager. */
  see(event: ManagerEvent): void {
    this.#states.see(event);
    if ((event.type === 'started' || event.type === 'adopted') && event.cgroup !== undefined) this.#markCgroup(event.cgroup, event.at);
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
    const measured = new Set<string>();
    const reports = [...this.states(configured)].map(([id, state]) => {
      const { status, restarts, lastExit, cause } = state;
      if (!hasProcess(state)) return daemonReport(id, { status, restarts, lastExit, cause }, now);
      const look = lookAtUsage(state, this.#cgroups);
      if (look !== undefined) measured.add(look.cpuKey);
      const usage = look === undefined ? {} : this.#costs(look, now);
      return daemonReport(id, { status, restarts, lastExit, cause, pid: state.pid, since: state.since, ...usage }, now);
    });
    this.#cpu.keepOnly(measured);
    return reports;
  }

  /** What `look` tells `rxdaemon status`: CPU over the window since the last look (a cgroup's counter timed by `now`), memory, and whose each is. */
  #costs({ usage, cpuKey, leader }: UsageLook, now: number): Pick<ReportFacts, 'cpuPercent' | 'cpuScope' | 'rssBytes' | 'memoryScope'> {
    const cpuPercent = this.#cpu.percent(cpuKey, leader?.sample ?? { cpuMs: usage.cpuSeconds * 1000, atMs: now }, leader?.origin);
    const { cpuScope, memoryBytes, memoryScope } = usage;
    return { ...(cpuPercent === undefined ? {} : { cpuPercent }), ...(cpuScope === undefined ? {} : { cpuScope }), ...(memoryBytes === undefined ? {} : { rssBytes: memoryBytes, memoryScope }) };
  }

  /**
   * A run began in cgroup `dir` at `at`: its CPU is measured from the
   * cgroup's counter now, since the counter also holds every earlier run's
   * (the cgroup is the service's, kept across restarts).
   */
  #markCgroup(dir: string, at: number): void {
    const usage = this.#cgroups.usage(dir);
    if (usage !== undefined) this.#cpu.mark(cgroupCpuKey(dir), { cpuMs: usage.cpuUsec / 1000, atMs: at });
  }
}
