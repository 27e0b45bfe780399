import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import type { CgroupHierarchy, CgroupUnavailable } from './discovery.js';
import { LIMIT_CONTROLLERS } from './limits.js';

/** The values of DESIGN's `containment` option. */
export const CONTAINMENT_MODES = ['auto', 'cgroup', 'process-group'] as const;

/** DESIGN's `containment` option: cgroups when they can be had, always, or never. */
export type ContainmentMode = (typeof CONTAINMENT_MODES)[number];

/** How a manager contains its services, and why, in words (what its `containment` event says). */
export type Containment =
  | { readonly mode: 'cgroup'; readonly hierarchy: CgroupHierarchy; readonly reason: string }
  | { readonly mode: 'process-group'; readonly reason: string };

// cgroup.subtree_control is always a part of cgroup.controllers: what can be enabled is what limits may use.
const limitable = ({ controllers }: CgroupHierarchy): string[] => LIMIT_CONTROLLERS.filter((controller) => controllers.includes(controller));

const cgroupReason = (hierarchy: CgroupHierarchy): string =>
  [
    `each service in a cgroup of its own under ${hierarchy.root}`,
    hierarchy.kill ? 'stopped through cgroup.kill' : 'no cgroup.kill (a kernel before 5.14): a stop signals every process of cgroup.procs',
    limitable(hierarchy).length === 0
      ? 'neither the memory, the cpu nor the pids controller is delegated, so memoryMax, cpuMax and pidsMax are refused'
      : `controllers that limits may use: ${limitable(hierarchy).join(', ')}`,
  ].join('; ');

/**
 * Which containment a manager uses, from the mode asked for and, unless
 * that is `process-group` (which never looks), what {@link discoverCgroups}
 * found. `auto` takes cgroups when they can be had and process groups
 * otherwise; `cgroup` without them is a Left that says what is missing. The
 * reason is for people: the cgroup root, how a stop ends a service, which
 * limits can apply, or why there are no cgroups.
 *
 * @example
 * const containment = decideContainment('auto', () => discoverCgroups());
 * // right({ mode: 'process-group', reason: 'cgroups cannot be used: no cgroup v2 hierarchy is mounted (…); each service is a process group' })
 */
export const decideContainment = (
  asked: ContainmentMode,
  discover: () => Either<CgroupUnavailable, CgroupHierarchy>,
): Either<CgroupUnavailable, Containment> => {
  if (asked === 'process-group') return right({ mode: 'process-group', reason: "containment 'process-group' was asked for: each service is a process group" });
  const found = discover();
  if (!isLeft(found)) return right({ mode: 'cgroup', hierarchy: found.right, reason: cgroupReason(found.right) });
  if (asked === 'cgroup') return left({ ...found.left, message: `containment 'cgroup' cannot be had: ${found.left.message}` });
  return right({ mode: 'process-group', reason: `cgroups cannot be used: ${found.left.message}; each service is a process group` });
};
