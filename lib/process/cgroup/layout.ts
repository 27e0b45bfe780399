import { lstatSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { errnoOf } from '../../errno.js';
import { kindOf, problem, type FileProblem } from '../../fs/problem.js';
import { childCgroups } from './contents.js';
import type { CgroupHierarchy } from './discovery.js';

// Where the cgroups of one manager's scope live:
//   <root>/rxd-<scope>/<id>         one per service, kept across its restarts
//   <root>/rxd-<scope>/supervisor   the manager itself, only when the kernel's no-internal-process rule asks for it
// cgroupfs holds no symlinks, but the root is a user's path on any file system: each directory made here is
// checked to be one, never a link followed to somewhere else.

/** The leaf the manager moves into when controllers are enabled below its own cgroup. */
export const SUPERVISOR_LEAF = 'supervisor';

// A scope or id is one name: a path of several would put a cgroup elsewhere than the layout says.
const checkName = (what: string, name: string): void => {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new TypeError(`Expected the cgroup ${what} to be a single file name, got \`${name}\`.`);
  }
};

/** `<root>/rxd-<scope>`: the cgroup of one manager's scope. */
export const scopeCgroupOf = (root: string, scope: string): string => {
  checkName('scope', scope);
  return join(root, `rxd-${scope}`);
};

/** Makes directory `dir` (0755) unless it is there; one that is there must be a directory, not a link or a file. */
const makeCgroup = (dir: string): Either<FileProblem, string> => {
  try {
    mkdirSync(dir, { mode: 0o755 });
    return right(dir);
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') return left(problem('create the cgroup', dir, error));
  }
  const found = lstatSync(dir, { throwIfNoEntry: false });
  if (found === undefined) return makeCgroup(dir);
  // A file there is most often one of the kernel's own (an id `cpu.max` or `cgroup.procs`).
  return found.isDirectory() ? right(dir) : left({ code: 'EEXIST', message: `cannot create the cgroup ${dir}: ${kindOf(found)} of that name is there` });
};

/** `<root>/rxd-<scope>/<name>`, made with its scope where absent. */
const scopeChild = (root: string, scope: string, name: string): Either<FileProblem, string> => {
  const made = makeCgroup(scopeCgroupOf(root, scope));
  return isLeft(made) ? made : makeCgroup(join(made.right, name));
};

/**
 * Creates `<root>/rxd-<scope>` and `<root>/rxd-<scope>/<id>` where absent
 * (mkdir -p, 0755; idempotent: a service's cgroup is made once and kept
 * across its restarts) and returns the service's cgroup. Left when either
 * cannot be made or is something other than a directory: a symlink is
 * never followed, and an id that is a file of the kernel's (`cpu.max`) is
 * named, as is the id `supervisor` (the manager's own leaf).
 *
 * @example
 * const web = createServiceCgroup('/sys/fs/cgroup/system.slice/rxd.service', 'a1b2c3', 'web');
 * // right('/sys/fs/cgroup/system.slice/rxd.service/rxd-a1b2c3/web')
 */
export const createServiceCgroup = (root: string, scope: string, id: string): Either<FileProblem, string> => {
  checkName('id', id);
  // The manager's own leaf is no service's: a process of the service there would share the manager's cgroup.
  if (id === SUPERVISOR_LEAF) return left({ code: 'EINVAL', message: `the id \`${id}\` names the manager's own cgroup of the scope: a service cannot have it` });
  return scopeChild(root, scope, id);
};

/**
 * Whether the manager must leave its own cgroup for a leaf of its scope
 * before `controllers` can be enabled for its services: the kernel's
 * no-internal-process rule lets no cgroup but the hierarchy's root both
 * hold processes and enable controllers for its children, and the services'
 * controllers are enabled from the root down.
 */
export const supervisorLeafNeeded = ({ own, root, mountPoint }: CgroupHierarchy, controllers: readonly string[]): boolean =>
  controllers.length > 0 && own === root && root !== mountPoint;

/**
 * Moves this process into `<root>/rxd-<scope>/supervisor` (made when
 * absent): writing "0" to a cgroup.procs moves the writer. Only where
 * {@link supervisorLeafNeeded} says so.
 */
export const enterSupervisorLeaf = (root: string, scope: string): Either<FileProblem, string> => {
  const made = scopeChild(root, scope, SUPERVISOR_LEAF);
  if (isLeft(made)) return made;
  const procs = join(made.right, 'cgroup.procs');
  try {
    writeFileSync(procs, '0');
    return made;
  } catch (error) {
    return left(problem('move the manager into', procs, error));
  }
};

/**
 * Removes cgroup `dir` and every cgroup below it, leaves first (rmdir
 * fails with EBUSY while a cgroup has a child cgroup or holds a process). A
 * cgroup already gone is success. Left `EBUSY` names the cgroup where
 * processes still run; a symlink at `dir` is refused, never followed.
 *
 * @example
 * removeCgroup('/sys/fs/cgroup/rxd.service/rxd-a1b2c3'); // the scope, after its services ended
 */
export const removeCgroup = (dir: string): Either<FileProblem, void> => {
  const found = lstatSync(dir, { throwIfNoEntry: false });
  if (found === undefined) return right(undefined);
  if (!found.isDirectory()) return left({ code: 'ENOTDIR', message: `not removing ${dir}: it is ${kindOf(found)}, not a cgroup` });
  let children: string[];
  try {
    children = childCgroups(dir);
  } catch (error) {
    return left(problem('list the cgroup', dir, error));
  }
  for (const child of children) {
    const removed = removeCgroup(join(dir, child));
    if (isLeft(removed)) return removed;
  }
  try {
    rmdirSync(dir);
    return right(undefined);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT') return right(undefined);
    return left(code === 'EBUSY' ? { code, message: `cannot remove the cgroup ${dir}: processes still run in it` } : problem('remove the cgroup', dir, error));
  }
};
