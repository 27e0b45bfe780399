import type { RestartPolicy } from '../policy/restart-policy.js';
import { restartPolicyOf, type RestartEntry } from './restart-entry.js';

// JSON with every object's keys in order: `{ "when": …, "policy": … }` and
// `{ "policy": …, "when": … }` are the same entry.
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Readonly<Record<string, unknown>>;
    const fields = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
};

/**
 * A builder of policies that gives the same object for an equal `restart`
 * entry (compared as canonical JSON), however many reads apart. A manager
 * compares policies by identity (S6), so without it every reload of an
 * unchanged config would replace every service that has a `restart` entry;
 * with it, only a service whose entry changed is replaced. One per config
 * file, for as long as its manager runs. Nothing is ever let go: a policy
 * still running may come back in the next read (a change undone before the
 * manager applied it), and there are only as many entries as the distinct
 * `restart` entries a person wrote into the file.
 *
 * @example
 * const policyFor = policyCache();
 * policyFor({ policy: 'consul', when: 'on-failure' }) === policyFor({ when: 'on-failure', policy: 'consul' }); // true
 */
export const policyCache = (): ((entry: RestartEntry) => RestartPolicy) => {
  const built = new Map<string, RestartPolicy>();
  return (entry) => {
    const key = canonical(entry);
    const known = built.get(key);
    if (known !== undefined) return known;
    const policy = restartPolicyOf(entry);
    built.set(key, policy);
    return policy;
  };
};
