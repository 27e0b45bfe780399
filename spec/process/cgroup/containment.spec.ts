import { left, right } from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decideContainment } from '../../../lib/process/cgroup/containment.js';
import type { CgroupHierarchy, CgroupUnavailable } from '../../../lib/process/cgroup/discovery.js';

const HIERARCHY: CgroupHierarchy = {
  mountPoint: '/sys/fs/cgroup',
  own: '/sys/fs/cgroup/rxd.service',
  root: '/sys/fs/cgroup/rxd.service',
  kill: true,
  controllers: ['cpu', 'memory', 'pids'],
  subtreeControl: [],
};
const NO_MOUNT: CgroupUnavailable = { code: 'ECGROUP', missing: 'cgroup2', message: 'no cgroup v2 hierarchy is mounted' };

describe('decideContainment', () => {
  it("'process-group' never looks for cgroups", () => {
    const discover = () => {
      throw new Error('looked');
    };
    expect(decideContainment('process-group', discover)).toEqual(right({ mode: 'process-group', reason: "containment 'process-group' was asked for: each service is a process group" }));
  });

  it("'auto' and 'cgroup' use cgroups where they can be had, saying where, how a stop ends a service, and which limits can apply", () => {
    const expected = right({
      mode: 'cgroup',
      hierarchy: HIERARCHY,
      reason: 'each service in a cgroup of its own under /sys/fs/cgroup/rxd.service; stopped through cgroup.kill; controllers that limits may use: memory, cpu, pids',
    });
    expect(decideContainment('auto', () => right(HIERARCHY))).toEqual(expected);
    expect(decideContainment('cgroup', () => right(HIERARCHY))).toEqual(expected);
  });

  it('says when a stop signals each process (no cgroup.kill) and when limits are refused (no controller for them: this machine)', () => {
    const hybrid = { ...HIERARCHY, kill: false, controllers: ['hugetlb'] };
    expect(decideContainment('auto', () => right(hybrid))).toMatchObject(
      right({
        reason:
          'each service in a cgroup of its own under /sys/fs/cgroup/rxd.service; no cgroup.kill (a kernel before 5.14): a stop signals every process of cgroup.procs; ' +
          'neither the memory, the cpu nor the pids controller is delegated, so memoryMax, cpuMax and pidsMax are refused',
      }),
    );
  });

  it("without cgroups, 'auto' falls back to process groups, saying why", () => {
    expect(decideContainment('auto', () => left(NO_MOUNT))).toEqual(right({ mode: 'process-group', reason: 'cgroups cannot be used: no cgroup v2 hierarchy is mounted; each service is a process group' }));
  });

  it("without cgroups, 'cgroup' is refused, naming what is missing", () => {
    expect(decideContainment('cgroup', () => left(NO_MOUNT))).toEqual(left({ code: 'ECGROUP', missing: 'cgroup2', message: "containment 'cgroup' cannot be had: no cgroup v2 hierarchy is mounted" }));
  });
});
