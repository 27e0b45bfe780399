import { describe, expect, it } from 'vitest';
import { createServiceCgroup, scopeCgroupOf, supervisorLeafNeeded } from '../../../lib/process/cgroup/layout.js';

describe('the names of the layout', () => {
  it('<root>/rxd-<scope>', () => {
    expect(scopeCgroupOf('/sys/fs/cgroup/rxd.service', 'a1b2c3')).toBe('/sys/fs/cgroup/rxd.service/rxd-a1b2c3');
  });

  it.each(['', '.', '..', 'a/b', '../x', 'a\0b'])('a scope or id that is not one file name is a TypeError, before anything is made: %j', (name) => {
    expect(() => scopeCgroupOf('/nonexistent', name)).toThrow(TypeError);
    expect(() => createServiceCgroup('/nonexistent', 'scope', name)).toThrow(TypeError);
  });
});

describe('supervisorLeafNeeded', () => {
  const hierarchy = { mountPoint: '/sys/fs/cgroup', own: '/sys/fs/cgroup/rxd.service', root: '/sys/fs/cgroup/rxd.service', kill: true, controllers: ['memory'], subtreeControl: [] };

  it.each([
    ['controllers to enable below the manager’s own cgroup: it must leave it', hierarchy, ['memory'], true],
    ['no controller to enable: the manager stays where it is', hierarchy, [], false],
    ['the hierarchy’s root is exempt from the rule', { ...hierarchy, own: '/sys/fs/cgroup', root: '/sys/fs/cgroup' }, ['memory'], false],
    ['a configured root that is not the manager’s cgroup', { ...hierarchy, root: '/sys/fs/cgroup/rxdaemon' }, ['memory'], false],
  ])('%s', (_, found, controllers, needed) => {
    expect(supervisorLeafNeeded(found, controllers)).toBe(needed);
  });
});
