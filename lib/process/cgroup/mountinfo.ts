/** A cgroup v2 hierarchy mounted somewhere, as /proc/self/mountinfo shows it. */
export interface Cgroup2Mount {
  /** Which cgroup of the hierarchy is at the mount point (`/` unless bind-mounted or seen from another cgroup namespace). */
  readonly root: string;
  /** Where it is mounted: `/sys/fs/cgroup` on a unified system, `/sys/fs/cgroup/unified` on a hybrid one. */
  readonly mountPoint: string;
}

// mountinfo escapes a space, a tab, a newline and a backslash of a path as
// octal (\040, \011, \012, \134), so that its fields stay split by spaces.
const unescape = (field: string): string => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

/**
 * Every cgroup v2 mount of a /proc/<pid>/mountinfo text, in its order. A
 * line is `id parent major:minor root mountPoint options [optional…] - type
 * source superOptions`; the optional fields vary in number, so the type is
 * the field after the lone `-`. Lines that are not of that shape are skipped.
 *
 * @example
 * cgroup2Mounts('40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n');
 * // [{ root: '/', mountPoint: '/sys/fs/cgroup/unified' }]
 */
export const cgroup2Mounts = (mountinfo: string): Cgroup2Mount[] =>
  mountinfo.split('\n').flatMap((line) => {
    const fields = line.split(' ');
    const separator = fields.indexOf('-', 6);
    const [root, mountPoint] = [fields[3], fields[4]];
    if (separator < 0 || fields[separator + 1] !== 'cgroup2' || root === undefined || mountPoint === undefined) return [];
    return [{ root: unescape(root), mountPoint: unescape(mountPoint) }];
  });
