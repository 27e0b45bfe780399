import { left, type Either } from 'fp-ts/lib/Either.js';
import type { Observable } from 'rxjs';
import type { FileProblem } from '../fs/file-problem.js';
import type { CgroupHierarchy, CgroupUnavailable } from './cgroup/discovery.js';
import type { LimitController, LimitWrite } from './cgroup/limits.js';
import type { CgroupUsage } from './cgroup/usage.js';

/**
 * The cgroups seam of a `ProcessDriver` (Containment): a cgroup v2
 * hierarchy found, each service's cgroup made, limited, watched, killed,
 * measured and removed. Every cgroup is a directory of the hierarchy, named
 * by its absolute path. The OS's is `systemCgroups`; a driver whose
 * processes are not the OS's gets {@link noCgroups} unless it brings its
 * own (`FakeCgroups` of `rxdaemon/testing`), so a fake process is never
 * put in a real cgroup.
 */
export interface Cgroups {
  /** A cgroup v2 hierarchy this process may write, under `root` when one is configured; Left says what is missing. */
  discover(root: string | undefined): Either<CgroupUnavailable, CgroupHierarchy>;
  /** `<root>/rxd-<scope>/<id>`, made where absent and kept across the service's restarts. */
  create(root: string, scope: string, id: string): Either<FileProblem, string>;
  /** The service cgroups of a scope (`<root>/rxd-<scope>`): their ids, the manager's own leaf left out; none when it is not there. */
  list(root: string, scope: string): string[];
  /** Removes a cgroup and those below it, leaves first; Left `EBUSY` while processes still run in it. */
  remove(dir: string): Either<FileProblem, void>;
  /** Enables `controllers` in each of `parents` (top down) and writes each limit into cgroup `dir`. */
  limit(parents: readonly string[], controllers: readonly LimitController[], dir: string, writes: readonly LimitWrite[]): Either<FileProblem, void>;
  /** Moves this process into `<root>/rxd-<scope>/supervisor`: only where the no-internal-process rule asks for it. */
  enterSupervisorLeaf(root: string, scope: string): Either<FileProblem, string>;
  /** Whether cgroup `dir` holds a process now: one read of its cgroup.events, no watch (true when it cannot be read). */
  isPopulated(dir: string): boolean;
  /** Whether cgroup `dir` holds a process: the value at once, then each change (cgroup.events, no poll). */
  populated$(dir: string): Observable<boolean>;
  /** SIGKILLs every process of cgroup `dir` and below (cgroup.kill, or a signal to each where the kernel has none); gone once `populated$` says false. */
  kill(dir: string): Either<FileProblem, void>;
  /** Whether `dir` is a cgroup: a directory of a cgroup v2 file system, reached through no symlink (a path a record names is checked so before use). */
  isCgroup(dir: string): boolean;
  /** Whether `pid` is a process of cgroup `dir` itself (its cgroup.procs). */
  holds(dir: string, pid: number): boolean;
  /** What cgroup `dir`'s processes have cost, the whole tree, exited ones included; undefined when it cannot be read. */
  usage(dir: string): CgroupUsage | undefined;
  /** How many of its processes the OOM killer has ended; undefined without the memory controller. */
  oomKills(dir: string): number | undefined;
}

const UNAVAILABLE: CgroupUnavailable = {
  code: 'ECGROUP',
  missing: 'cgroup2',
  message: "the driver's processes are not the OS's, and it brings no cgroups of its own",
};

const unusable = (): never => {
  throw new Error('rxdaemon: a cgroup was used where none was found (a bug)');
};

/** The cgroups of a driver that has none: nothing is ever found, so nothing else is ever asked. */
export const noCgroups: Cgroups = {
  discover: () => left(UNAVAILABLE),
  create: unusable,
  list: () => [],
  remove: unusable,
  limit: unusable,
  enterSupervisorLeaf: unusable,
  isPopulated: unusable,
  populated$: unusable,
  kill: unusable,
  isCgroup: () => false,
  holds: () => false,
  usage: () => undefined,
  oomKills: () => undefined,
};
