import { describe, expect, it } from 'vitest';
import type { CgroupIo, PathKind } from '../../../lib/process/cgroup/cgroup-io.js';
import { discoverCgroups } from '../../../lib/process/cgroup/discovery.js';

interface System {
  readonly files: Readonly<Record<string, string>>;
  readonly writable?: readonly string[];
  readonly kinds?: Readonly<Record<string, PathKind>>;
  readonly release?: string;
}

/** A system described by its files, what may be written, what is at some paths, and its kernel. */
const fakeIo = ({ files, writable = [], kinds = {}, release = '6.8.0' }: System): CgroupIo => ({
  readText: (path) => files[path],
  mayWrite: (path) => writable.includes(path),
  kindOf: (path) => kinds[path] ?? 'missing',
  kernelRelease: () => release,
});

const UNIFIED = '29 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n';
const HYBRID = '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n';
const UNIT = '/sys/fs/cgroup/system.slice/rxd.service';

/** A manager in a systemd unit with Delegate=yes: its cgroup and cgroup.procs are its to write. */
const delegated = (more: Partial<System> = {}): System => ({
  files: {
    '/proc/self/mountinfo': UNIFIED,
    '/proc/self/cgroup': '0::/system.slice/rxd.service\n',
    [`${UNIT}/cgroup.controllers`]: 'cpu memory pids\n',
    [`${UNIT}/cgroup.subtree_control`]: '\n',
  },
  writable: [UNIT, `${UNIT}/cgroup.procs`],
  kinds: { [`${UNIT}/cgroup.kill`]: 'other' },
  ...more,
});

describe('discoverCgroups: where cgroups can be had', () => {
  it('a systemd unit with Delegate=yes: its own cgroup is the root; cgroup.kill and the controllers are read there', () => {
    expect(discoverCgroups({ io: fakeIo(delegated()) })).toEqual({
      _tag: 'Right',
      right: { mountPoint: '/sys/fs/cgroup', own: UNIT, root: UNIT, kill: true, controllers: ['cpu', 'memory', 'pids'], subtreeControl: [] },
    });
  });

  it('no cgroup.kill in a cgroup below the root: a kernel before 5.14, still usable', () => {
    expect(discoverCgroups({ io: fakeIo(delegated({ kinds: {} })) })).toMatchObject({ right: { kill: false } });
  });

  it.each([
    ['6.18.44-fc-v1272', true],
    ['5.14.0-427.el9.x86_64', true],
    ['5.13.19', false],
    ['4.19.0-26-amd64', false],
    ['unknown', false],
  ])('root of a hybrid layout (this machine): the hierarchy root has no cgroup.kill, so the release %s tells: %s', (release, kill) => {
    const root = '/sys/fs/cgroup/unified';
    const io = fakeIo({
      files: { '/proc/self/mountinfo': HYBRID, '/proc/self/cgroup': '4:memory:/x\n0::/\n', [`${root}/cgroup.controllers`]: 'hugetlb\n', [`${root}/cgroup.subtree_control`]: '' },
      writable: [root, `${root}/cgroup.procs`],
      release,
    });
    expect(discoverCgroups({ io })).toEqual({ _tag: 'Right', right: { mountPoint: root, own: root, root, kill, controllers: ['hugetlb'], subtreeControl: [] } });
  });

  it('a container whose cgroup2 mount shows a subtree: its cgroup is found below the mount point', () => {
    const io = fakeIo({
      files: { '/proc/self/mountinfo': '812 801 0:26 /docker/3f /sys/fs/cgroup rw - cgroup2 cgroup rw\n', '/proc/self/cgroup': '0::/docker/3f/app\n' },
      writable: ['/sys/fs/cgroup/app', '/sys/fs/cgroup/app/cgroup.procs'],
    });
    expect(discoverCgroups({ io })).toMatchObject({ right: { own: '/sys/fs/cgroup/app', root: '/sys/fs/cgroup/app' } });
  });

  it('a configured root: used when it is a cgroup v2 directory, and the move is authorised where both cgroups meet', () => {
    const root = '/sys/fs/cgroup/rxdaemon';
    const system = delegated({ writable: [root, '/sys/fs/cgroup/cgroup.procs'], kinds: { [root]: 'cgroup2', [`${root}/cgroup.kill`]: 'other' } });
    expect(discoverCgroups({ root, io: fakeIo(system) })).toMatchObject({ right: { own: UNIT, root, kill: true } });
    expect(discoverCgroups({ root: `${root}/`, io: fakeIo(system) })).toMatchObject({ right: { root } });
  });
});

describe('discoverCgroups: what is missing, named', () => {
  const missing = (system: System, root?: string) => {
    const found = discoverCgroups({ io: fakeIo(system), ...(root === undefined ? {} : { root }) });
    if (found._tag === 'Right') throw new Error('expected a Left');
    return found.left;
  };

  it('no cgroup v2 mount (a v1-only system)', () => {
    const left = missing({ files: { '/proc/self/mountinfo': '34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n', '/proc/self/cgroup': '4:memory:/\n' } });
    expect(left).toEqual({ code: 'ECGROUP', missing: 'cgroup2', message: 'no cgroup v2 hierarchy is mounted (no cgroup2 line in /proc/self/mountinfo)' });
  });

  it('no 0:: line, or a cgroup outside the namespace', () => {
    expect(missing({ files: { '/proc/self/mountinfo': UNIFIED, '/proc/self/cgroup': '4:memory:/\n' } })).toMatchObject({ missing: 'membership', message: expect.stringContaining('no 0:: line') as unknown });
    expect(missing({ files: { '/proc/self/mountinfo': UNIFIED, '/proc/self/cgroup': '0::/../x\n' } })).toMatchObject({ missing: 'membership' });
  });

  it('its cgroup is not shown by any cgroup2 mount', () => {
    const left = missing({ files: { '/proc/self/mountinfo': '812 801 0:26 /docker/3f /sys/fs/cgroup rw - cgroup2 cgroup rw\n', '/proc/self/cgroup': '0::/docker/3fa\n' } });
    expect(left).toMatchObject({ missing: 'membership', message: "this process's cgroup /docker/3fa is not shown by any cgroup2 mount (/sys/fs/cgroup)" });
  });

  it('not writable, as an unprivileged user: the path and what would give access', () => {
    expect(missing(delegated({ writable: [] }))).toEqual({
      code: 'ECGROUP',
      missing: 'write-access',
      message: `this process may not write ${UNIT}: run the manager as root, in a systemd unit with Delegate=yes, or in a container with a writable cgroup namespace`,
    });
    // mkdir is allowed, but moving a child out of the unit's cgroup is not.
    expect(missing(delegated({ writable: [UNIT] }))).toMatchObject({ missing: 'write-access', message: expect.stringContaining(`may not write ${UNIT}/cgroup.procs:`) as unknown });
  });

  it('a configured root elsewhere: the cgroup.procs where both cgroups meet must be writable too', () => {
    const root = '/sys/fs/cgroup/rxdaemon';
    const left = missing(delegated({ writable: [root, `${UNIT}/cgroup.procs`], kinds: { [root]: 'cgroup2' } }), root);
    expect(left).toMatchObject({ missing: 'write-access', message: expect.stringContaining('may not write /sys/fs/cgroup/cgroup.procs:') as unknown });
  });

  it.each([
    ['relative', 'rxdaemon', {}, 'the cgroup root rxdaemon is not an absolute path'],
    ['outside the mount', '/tmp/cg', {}, 'the cgroup root /tmp/cg is not under the cgroup v2 mount /sys/fs/cgroup'],
    ['a symlink, never followed', '/sys/fs/cgroup/link', { '/sys/fs/cgroup/link': 'symlink' }, 'the cgroup root /sys/fs/cgroup/link is a symlink (never followed)'],
    ['absent', '/sys/fs/cgroup/none', {}, 'the cgroup root /sys/fs/cgroup/none does not exist'],
    ['not on cgroup2 (another file system mounted there)', '/sys/fs/cgroup/tmp', { '/sys/fs/cgroup/tmp': 'directory' }, 'the cgroup root /sys/fs/cgroup/tmp is not on a cgroup v2 file system'],
    ['a file', '/sys/fs/cgroup/cgroup.procs', { '/sys/fs/cgroup/cgroup.procs': 'other' }, 'the cgroup root /sys/fs/cgroup/cgroup.procs is not a directory'],
  ] as const)('a configured root that is %s', (_, root, kinds, message) => {
    expect(missing(delegated({ kinds }), root)).toEqual({ code: 'ECGROUP', missing: 'root', message });
  });
});
