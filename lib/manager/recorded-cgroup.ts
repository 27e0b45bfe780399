import { basename, dirname } from 'node:path';
import { isRight } from 'fp-ts/lib/Either.js';
import { decodeSnapshot } from '../snapshot/check-snapshot.js';

/**
 * Why cgroup `dir`, named by the record of `id`, is not one that record
 * may name; undefined when it is `<root>/rxd-<scope>/<id>`, the cgroup of
 * that very id in the data dir's scope, under any root (a manager run
 * elsewhere: a systemd unit's cgroup, another `cgroupRoot`). Pure: whether
 * it is a cgroup, and holds the recorded process, is the caller's to ask.
 * A stale or hostile record must never get some other cgroup killed.
 *
 * @example
 * recordedCgroupProblem('/sys/fs/cgroup/rxd.service/rxd-a1/web', 'a1', 'web'); // undefined
 * recordedCgroupProblem('/sys/fs/cgroup/user.slice', 'a1', 'web'); // 'it is not rxd-a1/web, the cgroup of web in this data dir's scope'
 */
export const recordedCgroupProblem = (dir: string, scope: string, id: string): string | undefined => {
  const scopeDir = dirname(dir);
  const fits = dir.startsWith('/') && basename(dir) === id && basename(scopeDir) === `rxd-${scope}`;
  return fits ? undefined : `it is not rxd-${scope}/${id}, the cgroup of ${id} in this data dir's scope`;
};

/** The cgroup each decodable record names, by id (a record written before containment, or without it, names none). */
export const recordedCgroupsOf = (daemons: ReadonlyMap<string, unknown>): ReadonlyMap<string, string> => {
  const named = new Map<string, string>();
  for (const [id, entry] of daemons) {
    const decoded = decodeSnapshot(entry);
    if (isRight(decoded) && decoded.right.cgroup !== undefined) named.set(id, decoded.right.cgroup);
  }
  return named;
};
