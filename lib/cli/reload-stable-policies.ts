import type { RestartPolicy } from '../policy/restart-policy.js';
import { reloadStable } from './reload-stable.js';
import { restartPolicyOf, type RestartEntry } from './restart-entry.js';

/**
 * A builder of policies that gives the same object for an equal `restart`
 * entry, across reloads (see {@link reloadStable}): a manager compares
 * policies by identity, so with it a reload replaces only a service whose
 * `restart` entry changed. One per config file, for as long as its
 * manager runs.
 *
 * @example
 * const policyFor = reloadStablePolicies();
 * policyFor({ policy: 'consul', when: 'on-failure' }) === policyFor({ when: 'on-failure', policy: 'consul' }); // true
 */
export const reloadStablePolicies = (): ((entry: RestartEntry) => RestartPolicy) => reloadStable(restartPolicyOf);
