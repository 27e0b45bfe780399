import type { HealthOptions, ReadyOptions } from '../checks/check.js';
import { checkOf, kindOf, type CheckKind, type HealthEntry, type ReadyEntry } from './check-entry.js';
import { reloadStable } from './reload-stable.js';

/** The `ready` and `health` options of a config's entries, their checks kept across reads. */
export interface ReloadStableChecks {
  readonly ready: (entry: ReadyEntry) => ReadyOptions;
  readonly health: (entry: HealthEntry) => HealthOptions;
}

// Only the fields given: an option left out is the library's default, and
// an entry read twice gives options equal key for key.
const given = <O extends object>(fields: O): Partial<O> => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<O>;

/**
 * Builds the options of `ready` and `health` entries, giving the same check
 * function for an equal check (its kind's fields, compared as canonical
 * JSON; see {@link reloadStable}) however many reads apart. A manager compares
 * a check by identity (S6), so without it every reload would replace every
 * service that has one; with it, a reload replaces only a service whose
 * check changed (a changed `intervalMs` changes the options, not the
 * check). `ready` and `health` keep checks of their own, even an equal
 * one: an output check remembers how far it read a run's file, and a
 * health check must not go on from where the ready check stopped. One per
 * config file, for as long as its manager runs; `directory` is the
 * config's (see {@link checkOf}).
 *
 * @example
 * const checksFor = reloadStableChecks('/etc/agent');
 * checksFor.ready({ tcp: 5432 }).check === checksFor.ready({ tcp: 5432, intervalMs: 500 }).check; // true
 */
export const reloadStableChecks = (directory: string): ReloadStableChecks => {
  const build = (kind: CheckKind) => checkOf(kind, directory);
  const readyCheck = reloadStable(build);
  const healthCheck = reloadStable(build);
  return {
    ready: (entry) => ({ check: readyCheck(kindOf(entry)), ...given({ intervalMs: entry.intervalMs, timeoutMs: entry.timeoutMs, attemptTimeoutMs: entry.attemptTimeoutMs }) }),
    health: (entry) => ({ check: healthCheck(kindOf(entry)), ...given({ intervalMs: entry.intervalMs, timeoutMs: entry.timeoutMs, failures: entry.failures }) }),
  };
};
