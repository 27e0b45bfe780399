import { describe, expect, it } from 'vitest';
import { cgroup2Mounts } from '../../../lib/process/cgroup/mountinfo.js';

// Lines as the kernel writes them: a hybrid layout (this machine's), a unified one under systemd (an optional
// field), a container's view of a bind-mounted subtree, and paths with escaped spaces.
const HYBRID = `30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const UNIFIED = '29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';
const CONTAINER = '812 801 0:26 /system.slice/docker-3f.scope /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime master:9 shared:12 - cgroup2 cgroup rw\n';

describe('cgroup2Mounts', () => {
  it.each([
    ['a hybrid layout: only the cgroup2 line, not the v1 controllers nor the tmpfs', HYBRID, [{ root: '/', mountPoint: '/sys/fs/cgroup/unified' }]],
    ['a unified layout, with an optional field before the separator', UNIFIED, [{ root: '/', mountPoint: '/sys/fs/cgroup' }]],
    ['a container: the cgroup at the mount point is a subtree, and the source is named cgroup', CONTAINER, [{ root: '/system.slice/docker-3f.scope', mountPoint: '/sys/fs/cgroup' }]],
    ['escaped spaces, tabs and backslashes', '41 30 0:37 /a\\040b /mnt/c\\011g\\134x rw - cgroup2 none rw\n', [{ root: '/a b', mountPoint: '/mnt/c\tg\\x' }]],
    ['two mounts of the hierarchy, in order', `${UNIFIED}${CONTAINER}`, [{ root: '/', mountPoint: '/sys/fs/cgroup' }, { root: '/system.slice/docker-3f.scope', mountPoint: '/sys/fs/cgroup' }]],
    ['none: cgroup v1 only', '34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n', []],
    ['none: "cgroup2" as the source of another type', '50 1 0:40 / /mnt rw - tmpfs cgroup2 rw\n', []],
    ['none: lines cut short or empty', '40 30 0:37 / /sys/fs/cgroup rw\n\n-\n', []],
  ])('%s', (_, text, mounts) => {
    expect(cgroup2Mounts(text)).toEqual(mounts);
  });
});
