import { isAbsolute, join, normalize } from 'node:path';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { systemCgroupIo, type CgroupIo } from './cgroup-io.js';
import { unifiedPathOf } from './membership.js';
import { cgroup2Mounts, type Cgroup2Mount } from './mountinfo.js';

/** A cgroup v2 hierarchy this process may write, and where its services' cgroups go. */
export interface CgroupHierarchy {
  /** Where cgroup2 is mounted. */
  readonly mountPoint: string;
  /** This process's own cgroup, as a directory. */
  readonly own: string;
  /** The directory under which `rxd-<scope>` goes: the configured root, else {@link own}. */
  readonly root: string;
  /** Whether a stop can end a cgroup with one write to `cgroup.kill` (Linux 5.14); without it, every process of `cgroup.procs` is signalled. */
  readonly kill: boolean;
  /** The controllers {@link root} may enable for its children (its `cgroup.controllers`). */
  readonly controllers: readonly string[];
  /** The controllers {@link root} has enabled for its children (its `cgroup.subtree_control`). */
  readonly subtreeControl: readonly string[];
}

/** What is missing for cgroups to be used; `missing` names it for programs, `message` for people. */
export interface CgroupUnavailable {
  readonly code: 'ECGROUP';
  readonly missing: 'cgroup2' | 'membership' | 'root' | 'write-access';
  readonly message: string;
}

/** What {@link discoverCgroups} takes. */
export interface DiscoverOptions {
  /** An absolute directory of a cgroup v2 hierarchy to put the services' cgroups under (DESIGN's `cgroupRoot`); default: this process's own cgroup. */
  readonly root?: string;
  /** How the system is looked at; default: the real one. */
  readonly io?: CgroupIo;
}

const unavailable = (missing: CgroupUnavailable['missing'], message: string): Either<CgroupUnavailable, never> => left({ code: 'ECGROUP', missing, message });

const isWithin = (path: string, dir: string): boolean => dir === '/' || path === dir || path.startsWith(`${dir}/`);

/** A path without `.`, `..`, doubled slashes or a trailing slash, so that paths compare as strings. */
const tidy = (path: string): string => normalize(path).replace(/(?<=.)\/$/, '');

/** The directory of cgroup `path` (a path of the hierarchy) through `mount`, when the mount shows it. */
const directoryOf = (path: string, mount: Cgroup2Mount): string | undefined =>
  isWithin(path, mount.root) ? tidy(join(mount.mountPoint, path.slice(mount.root === '/' ? 0 : mount.root.length))) : undefined;

/** The deepest directory that holds both: where a move from one to the other is authorised (cgroup v2's delegation containment). */
const commonAncestor = (a: string, b: string): string => {
  const [partsOfA, partsOfB] = [a.split('/'), b.split('/')];
  const shared = partsOfA.findIndex((part, index) => part !== partsOfB[index]);
  return partsOfA.slice(0, shared < 0 ? partsOfA.length : shared).join('/') || '/';
};

const WHAT_GIVES_ACCESS = 'run the manager as root, in a systemd unit with Delegate=yes, or in a container with a writable cgroup namespace';

/** Whether the kernel is at least `major.minor`, from its release; false when the release cannot be read. */
const atLeast = (release: string, major: number, minor: number): boolean => {
  const [, a, b] = /^(\d+)\.(\d+)/.exec(release) ?? [];
  return a !== undefined && b !== undefined && (Number(a) > major || (Number(a) === major && Number(b) >= minor));
};

const words = (text: string | undefined): string[] => (text ?? '').split(/\s+/).filter((word) => word !== '');

/** The configured root, when it is a cgroup v2 directory below the mount; else what is wrong with it. */
const rootProblem = (root: string, mountPoint: string, io: CgroupIo): string | undefined => {
  if (!isAbsolute(root)) return `the cgroup root ${root} is not an absolute path`;
  if (!isWithin(root, mountPoint)) return `the cgroup root ${root} is not under the cgroup v2 mount ${mountPoint}`;
  const kind = io.kindOf(root);
  if (kind === 'cgroup2') return undefined;
  return `the cgroup root ${root} ${kind === 'missing' ? 'does not exist' : kind === 'symlink' ? 'is a symlink (never followed)' : kind === 'directory' ? 'is not on a cgroup v2 file system' : 'is not a directory'}`;
};

/**
 * Finds a cgroup v2 hierarchy this process may write: the cgroup2 mount of
 * /proc/self/mountinfo that shows its own cgroup (the `0::` line of
 * /proc/self/cgroup), and a root under it (the configured one, else its
 * own cgroup) where it may create cgroups and move processes to them. Left
 * names what is missing: no cgroup2 mount, no cgroup v2 membership, a root
 * that is not a cgroup v2 directory (a symlink there is never followed), or
 * no write access (as an unprivileged user). A kernel without `cgroup.kill`
 * is still usable (`kill: false`).
 *
 * @example
 * const found = discoverCgroups({ root: '/sys/fs/cgroup/rxdaemon' });
 * if (isLeft(found)) console.error(found.left.message);
 */
export const discoverCgroups = ({ root: configured, io = systemCgroupIo }: DiscoverOptions = {}): Either<CgroupUnavailable, CgroupHierarchy> => {
  const mounts = cgroup2Mounts(io.readText('/proc/self/mountinfo') ?? '');
  if (mounts.length === 0) return unavailable('cgroup2', 'no cgroup v2 hierarchy is mounted (no cgroup2 line in /proc/self/mountinfo)');
  const path = unifiedPathOf(io.readText('/proc/self/cgroup') ?? '');
  if (path === undefined) return unavailable('membership', 'this process is in no cgroup of the v2 hierarchy that its namespace shows (no 0:: line in /proc/self/cgroup)');
  const found = mounts.flatMap((mount) => {
    const own = directoryOf(path, mount);
    return own === undefined ? [] : [{ mountPoint: mount.mountPoint, own }];
  })[0];
  if (found === undefined) return unavailable('membership', `this process's cgroup ${path} is not shown by any cgroup2 mount (${mounts.map((mount) => mount.mountPoint).join(', ')})`);
  const { mountPoint, own } = found;
  const root = configured === undefined ? own : tidy(configured);
  const wrong = configured === undefined ? undefined : rootProblem(root, mountPoint, io);
  if (wrong !== undefined) return unavailable('root', wrong);
  // mkdir needs the root; moving a child out of our cgroup into one below the root needs the cgroup.procs of the
  // cgroup that holds both (the kernel's delegation rule).
  const procs = join(commonAncestor(own, root), 'cgroup.procs');
  for (const target of [root, procs]) {
    if (!io.mayWrite(target)) return unavailable('write-access', `this process may not write ${target}: ${WHAT_GIVES_ACCESS}`);
  }
  // The hierarchy's root cgroup has no cgroup.kill whatever the kernel: there the kernel's release tells.
  const kill = root === mountPoint ? atLeast(io.kernelRelease(), 5, 14) : io.kindOf(join(root, 'cgroup.kill')) === 'other';
  return right({
    mountPoint,
    own,
    root,
    kill,
    controllers: words(io.readText(join(root, 'cgroup.controllers'))),
    subtreeControl: words(io.readText(join(root, 'cgroup.subtree_control'))),
  });
};
