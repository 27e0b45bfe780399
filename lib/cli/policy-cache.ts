import type { RestartPolicy } from '../policy/restart-policy.js';
import { entryCache } from './entry-cache.js';
import { restartPolicyOf, type RestartEntry } from './restart-entry.js';

/**
 * A builder of policies that gives the same object for an equal `restart`
 * entry (see {@link entryCache}): with it, a reload replaces only a service
 * whose `restart` entry changed. One per config file, for as long as its
 * manager runs.
 *
 * @example
 * const policyFor = policyCache();
 * policyFor({ policy: 'consul', when: 'on-failure' }) === policyFor({ when: 'on-failure', policy: 'consul' }); // true
 */
export const policyCache = (): ((entry: RestartEntry) => RestartPolicy) => entryCache(restartPolicyOf);
