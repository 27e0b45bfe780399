import { join } from 'node:path';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { Observable } from 'rxjs';
import type { FileProblem } from '../fs/file-problem.js';
import type { Cgroups } from '../process/cgroups.js';
import type { CgroupHierarchy, CgroupUnavailable } from '../process/cgroup/discovery.js';
import { scopeCgroupOf, SUPERVISOR_LEAF } from '../process/cgroup/layout.js';
import type { LimitController, LimitWrite } from '../process/cgroup/limits.js';
import type { CgroupUsage } from '../process/cgroup/usage.js';
import type { FakeProcess } from './fake-process.js';
import type { FakeProcesses } from './fake-processes.js';

/** What a {@link FakeCgroups} pretends the system has. */
export interface FakeCgroupsOptions {
  /** The controllers the hierarchy may enable for its services (`cgroup.controllers`). Default none: every limit is ELIMITS. */
  readonly controllers?: readonly string[];
  /** Whether the kernel has `cgroup.kill`. Default true. */
  readonly kill?: boolean;
  /** What discovery says is missing, for the fallback and `containment: 'cgroup'`'s refusal; default: a hierarchy is found. */
  readonly unavailable?: CgroupUnavailable;
}

/** One limit written, as the test sees it. */
export interface FakeLimit {
  readonly dir: string;
  readonly controllers: readonly LimitController[];
  readonly writes: readonly LimitWrite[];
}

const MOUNT = '/sys/fs/cgroup';
const OWN = `${MOUNT}/fake.service`;

// The kernel's files of every cgroup v2 but the root, whatever its controllers (Linux 6.x): an id of one of
// these names finds a file where its cgroup should go.
const KERNEL_FILES = new Set([
  ...['controllers', 'events', 'freeze', 'kill', 'max.depth', 'max.descendants', 'pressure', 'procs', 'stat', 'stat.local', 'subtree_control', 'threads', 'type'].map((name) => `cgroup.${name}`),
  ...['cpu.pressure', 'cpu.stat', 'cpu.stat.local', 'io.pressure', 'memory.pressure'],
]);

/** Whether cgroup `path` is `dir` or one below it. */
const isWithin = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/**
 * The cgroups of a {@link FakeProcesses}, in virtual time: a fake process
 * is in the cgroup its spawn joined (`SpawnSpec.cgroup`) or that it was
 * added to (`addProcess({ cgroup })`: an escapee, a stray); a cgroup is
 * populated while one of its processes is alive, and tells each change at
 * once, as cgroup.events does through inotify; `kill` ends all of them at
 * once with SIGKILL, but for a process made {@link FakeCgroups.stuck}. An
 * id that is one of the kernel's files in every cgroup (`cgroup.procs`,
 * `cpu.stat`) is refused with EEXIST, as the real layout refuses it.
 * Nothing is written anywhere. Give it as the driver's `cgroups`, with the
 * same processes (`FakeDriver.withCgroups`):
 *
 * @example
 * const fake = new FakeDriver({ onSigint: 'ignore' });
 * const driver = fake.withCgroups(new FakeCgroups(fake.processes));
 * supervise({ command: 'x' }, { driver, cgroup: '/sys/fs/cgroup/agent.service/rxd-a1/web', stop$: timer(100) }).subscribe();
 */
export class FakeCgroups implements Cgroups {
  /** The cgroups made and not removed. */
  readonly dirs = new Set<string>();
  /** Each kill, with the virtual time it was asked. */
  readonly kills: { readonly dir: string; readonly at: number }[] = [];
  /** Each cgroup removed (with those below it), with the virtual time; a removal refused (EBUSY) is not listed. */
  readonly removed: { readonly dir: string; readonly at: number }[] = [];
  /** Each limit written. */
  readonly limits: FakeLimit[] = [];
  /** Where the manager moved itself (`enterSupervisorLeaf`), if it did. */
  supervisorLeaf: string | undefined;
  /** CPU and memory each cgroup reports (`usage`); a cgroup not set here has used nothing. */
  readonly usages = new Map<string, CgroupUsage>();
  readonly #oomKills = new Map<string, number>();
  readonly #stuck = new Set<number>();
  readonly #options: FakeCgroupsOptions;

  constructor(
    private readonly processes: FakeProcesses,
    options: FakeCgroupsOptions = {},
  ) {
    this.#options = options;
  }

  discover(root: string | undefined): Either<CgroupUnavailable, CgroupHierarchy> {
    const { unavailable, controllers = [], kill = true } = this.#options;
    if (unavailable !== undefined) return left(unavailable);
    return right({ mountPoint: MOUNT, own: OWN, root: root ?? OWN, kill, controllers, subtreeControl: [] });
  }

  create(root: string, scope: string, id: string): Either<FileProblem, string> {
    if (id === SUPERVISOR_LEAF) return left({ code: 'EINVAL', message: `the id \`${id}\` names the manager's own cgroup of the scope: a service cannot have it` });
    const dir = join(scopeCgroupOf(root, scope), id);
    if (KERNEL_FILES.has(id)) return left({ code: 'EEXIST', message: `cannot create the cgroup ${dir}: a regular file of that name is there` });
    this.dirs.add(dir);
    return right(dir);
  }

  list(root: string, scope: string): string[] {
    const prefix = `${scopeCgroupOf(root, scope)}/`;
    return [...this.dirs].filter((dir) => dir.startsWith(prefix)).map((dir) => dir.slice(prefix.length));
  }

  remove(dir: string): Either<FileProblem, void> {
    if (this.isPopulated(dir)) return left({ code: 'EBUSY', message: `cannot remove the cgroup ${dir}: processes still run in it` });
    for (const made of this.dirs) if (isWithin(made, dir)) this.dirs.delete(made);
    this.removed.push({ dir, at: this.processes.clock.now() });
    return right(undefined);
  }

  limit(_parents: readonly string[], controllers: readonly LimitController[], dir: string, writes: readonly LimitWrite[]): Either<FileProblem, void> {
    this.limits.push({ dir, controllers, writes });
    return right(undefined);
  }

  enterSupervisorLeaf(root: string, scope: string): Either<FileProblem, string> {
    this.supervisorLeaf = join(scopeCgroupOf(root, scope), SUPERVISOR_LEAF);
    return right(this.supervisorLeaf);
  }

  isPopulated(dir: string): boolean {
    return this.members(dir).length > 0;
  }

  populated$(dir: string): Observable<boolean> {
    return new Observable<boolean>((subscriber) => {
      let last: boolean | undefined;
      const look = (): void => {
        const now = this.isPopulated(dir);
        if (now !== last) subscriber.next(now);
        last = now;
      };
      // Watched before the first look, as inotify is: an end while the first value is handled is told.
      subscriber.add(
        this.processes.ended$.subscribe((fake) => {
          if (this.#within(fake, dir)) look();
        }),
      );
      look();
    });
  }

  kill(dir: string): Either<FileProblem, void> {
    this.kills.push({ dir, at: this.processes.clock.now() });
    // As the kernel's: the processes die a moment after the write, never inside it.
    this.processes.clock.scheduler.schedule(() => {
      for (const member of this.members(dir)) if (!this.#stuck.has(member.pid)) this.processes.end(member.pid, { code: null, signal: 'SIGKILL' });
    });
    return right(undefined);
  }

  isCgroup(dir: string): boolean {
    return this.dirs.has(dir);
  }

  holds(dir: string, pid: number): boolean {
    const fake = this.processes.get(pid);
    return fake?.alive === true && fake.cgroup === dir;
  }

  usage(dir: string): CgroupUsage | undefined {
    return this.usages.get(dir) ?? { cpuUsec: 0, memoryBytes: undefined };
  }

  oomKills(dir: string): number | undefined {
    return this.#options.controllers?.includes('memory') === true ? (this.#oomKills.get(dir) ?? 0) : undefined;
  }

  /** The OOM killer at work in cgroup `dir` (whose hierarchy has the memory controller): `pid` is SIGKILLed and counted in its memory.events. */
  oomKill(dir: string, pid: number): void {
    this.#oomKills.set(dir, (this.#oomKills.get(dir) ?? 0) + 1);
    this.processes.end(pid, { code: null, signal: 'SIGKILL' });
  }

  /**
   * Process `pid` in uninterruptible sleep (D state: a hung NFS mount, a
   * stuck device): a kill of its cgroup does not end it, and its cgroup
   * stays populated until the test ends it (`processes.end`).
   */
  stuck(pid: number): void {
    this.#stuck.add(pid);
  }

  /** The live processes of cgroup `dir` and of those below it. */
  members(dir: string): FakeProcess[] {
    return [...this.processes.values()].filter((fake) => fake.alive && this.#within(fake, dir));
  }

  #within({ cgroup }: FakeProcess, dir: string): boolean {
    return cgroup !== undefined && isWithin(cgroup, dir);
  }
}
