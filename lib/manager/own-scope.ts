import type { Processes } from '../process/processes.js';

/**
 * The scope of a manager without a data dir (Containment): its pid and
 * start time, so no other manager, nor a later one given the same pid,
 * ever shares its cgroups; they are removed at its end.
 *
 * @example
 * ownScopeOf(driver.processes); // '41872-1893344'
 */
export const ownScopeOf = (processes: Pick<Processes, 'ownPid' | 'probe'>): string =>
  `${processes.ownPid}-${processes.probe(processes.ownPid).startTime ?? 'unknown'}`;
