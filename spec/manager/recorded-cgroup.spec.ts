import { describe, expect, it } from 'vitest';
import { recordedCgroupProblem, recordedCgroupsOf } from '../../lib/manager/recorded-cgroup.js';

describe('recordedCgroupProblem(dir, scope, id): whether a record may name that cgroup', () => {
  it.each([
    ['/sys/fs/cgroup/system.slice/rxd.service/rxd-a1/web', 'under a systemd unit'],
    ['/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope/rxd-a1/web', "under a login shell's session"],
    ['/sys/fs/cgroup/rxd-a1/web', 'under the mount point'],
  ])('takes %s (%s): rxd-<scope>/<id> of its own id and scope, under any root', (dir) => {
    expect(recordedCgroupProblem(dir, 'a1', 'web')).toBeUndefined();
  });

  it.each([
    ['/sys/fs/cgroup/rxd.service/rxd-a1/api', 'the cgroup of another id'],
    ['/sys/fs/cgroup/rxd.service/rxd-b2/web', 'the cgroup of another scope'],
    ['/sys/fs/cgroup/rxd.service/rxd-a1', "the scope's own cgroup"],
    ['/sys/fs/cgroup/rxd.service/rxd-a1/supervisor', "the manager's own leaf"],
    ['/sys/fs/cgroup/user.slice', 'no cgroup of the scope at all'],
    ['rxd-a1/web', 'a relative path'],
  ])('refuses %s (%s), saying which cgroup it should have been', (dir) => {
    expect(recordedCgroupProblem(dir, 'a1', 'web')).toBe("it is not rxd-a1/web, the cgroup of web in this data dir's scope");
  });
});

describe('recordedCgroupsOf(daemons): the cgroup each record names', () => {
  it('by id, for the records that name one and decode; none for one written before containment, or one that does not decode', () => {
    const record = { version: 1, pid: 4242, startTime: '7', bootId: 'b', command: 'x', args: [], env: {} };
    const daemons = new Map<string, unknown>([
      ['web', { ...record, cgroup: '/sys/fs/cgroup/u/rxd-a1/web' }],
      ['old', record],
      ['bad', { ...record, cgroup: 'rxd-a1/bad' }],
    ]);
    expect([...recordedCgroupsOf(daemons)]).toEqual([['web', '/sys/fs/cgroup/u/rxd-a1/web']]);
  });
});
