import { dirname, join } from 'node:path';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { concatMap, defer, EMPTY, map, of, tap, type Observable, type SchedulerLike } from 'rxjs';
import type { Logger } from '../logger.js';
import type { Cgroups } from '../process/cgroups.js';
import { endCgroup$, LEFTOVERS_WAIT_MS } from '../process/end-cgroup.js';
import type { Containment } from '../process/cgroup/containment.js';
import { scopeCgroupOf, supervisorLeafNeeded } from '../process/cgroup/layout.js';
import { limitControllers, limitResets, limitWrites, type CgroupLimits, type LimitsRefused, type LimitWrite } from '../process/cgroup/limits.js';
import { recordedCgroupProblem } from './recorded-cgroup.js';
import type { Rejected } from './wanted.js';

/**
 * The limits of a service that cannot apply under `containment`: every
 * limit under process-group containment, and under cgroups one whose
 * controller is not delegated (see {@link limitControllers}). Pure: the
 * library's `invalid-entry` and the command line's configuration error
 * are both this refusal. Right: the files to write (see {@link limitWrites}).
 *
 * @example
 * limitsRefusal({ memoryMax: 2 ** 28 }, { mode: 'process-group', reason: '…' });
 * // left({ code: 'ELIMITS', option: 'memoryMax', controller: 'memory', message: 'memoryMax needs the memory controller of a cgroup, and …' })
 */
export const limitsRefusal = (limits: CgroupLimits, containment: Containment): Either<LimitsRefused, LimitWrite[]> => {
  const writes = limitWrites(limits);
  if (containment.mode === 'cgroup') {
    const controllers = limitControllers(writes, containment.hierarchy);
    return isLeft(controllers) ? controllers : right(writes);
  }
  const [first] = writes;
  if (first === undefined) return right(writes);
  const { option, controller } = first;
  return left({ code: 'ELIMITS', option, controller, message: `${option} needs the ${controller} controller of a cgroup, and the services are not in cgroups (${containment.reason})` });
};

/** A cgroup of the scope: the id it is for, and its directory (under this manager's root, or another a record names). */
export interface ScopeCgroup {
  readonly id: string;
  readonly dir: string;
}

/**
 * The cgroups of a manager's services (Containment): `<root>/rxd-<scope>/<id>`,
 * one per id, made when the id first enters the set and kept across its
 * restarts and replacements; limited before the first spawn and again when
 * its limits change; removed once the id left the set and its processes
 * are gone, and all of them, the scope's too, when the manager is killed.
 * Under process-group containment it holds nothing, and refuses limits.
 */
export class ServiceCgroups {
  /** Per id: its cgroup, and the limits its definition last set there. */
  private readonly made = new Map<string, { readonly dir: string; readonly limits: readonly LimitWrite[] }>();
  private inSupervisorLeaf = false;
  /** The scope's cgroups under other roots than this manager's, that records named: removed with its own at a kill. */
  private readonly elsewhere = new Set<string>();

  constructor(
    /** How the manager contains its services. */
    readonly containment: Containment,
    private readonly cgroups: Cgroups,
    private readonly scope: string,
    private readonly logger: Logger,
    private readonly scheduler: SchedulerLike,
    /** The manager's own limits, for every service that sets none of its own. */
    private readonly defaults: CgroupLimits = {},
  ) {}

  /** `<root>/rxd-<scope>`, under cgroup containment. */
  get scopeDir(): string | undefined {
    return this.containment.mode === 'cgroup' ? scopeCgroupOf(this.containment.hierarchy.root, this.scope) : undefined;
  }

  /**
   * Makes `id`'s cgroup where absent and writes its limits where they
   * changed (one no longer set goes back to `max`), before its daemon spawns; Left (an `invalid-entry` for that id
   * alone) when a limit cannot apply (`ELIMITS`, naming the controller) or
   * the cgroup cannot be made (`ECGROUP`: the id is the manager's own leaf
   * `supervisor`, a file of the kernel's such as `cpu.max`, or access is
   * denied).
   */
  prepare(id: string, own: CgroupLimits): Either<Rejected, void> {
    const { memoryMax = this.defaults.memoryMax, cpuMax = this.defaults.cpuMax, pidsMax = this.defaults.pidsMax } = own;
    const limits = { ...(memoryMax === undefined ? {} : { memoryMax }), ...(cpuMax === undefined ? {} : { cpuMax }), ...(pidsMax === undefined ? {} : { pidsMax }) };
    const refused = limitsRefusal(limits, this.containment);
    if (isLeft(refused)) return left({ id, code: 'ELIMITS', message: refused.left.message });
    if (this.containment.mode === 'process-group') return right(undefined);
    const { root } = this.containment.hierarchy;
    const known = this.made.get(id);
    const created = known === undefined ? this.cgroups.create(root, this.scope, id) : right(known.dir);
    if (isLeft(created)) return left({ id, code: 'ECGROUP', message: `its cgroup cannot be made: ${created.left.message}` });
    const dir = created.right;
    const writes = refused.right;
    // A limit the last definition set and this one does not is lifted: its old value would bind the replacement.
    const changes = [...writes, ...limitResets(known?.limits ?? [], writes)];
    if (changes.length > 0 && JSON.stringify(writes) !== JSON.stringify(known?.limits ?? [])) {
      const controllers = [...new Set(changes.map(({ controller }) => controller))];
      const applied = this.enterLeafFor(controllers);
      const limited = isLeft(applied) ? applied : this.cgroups.limit([root, scopeCgroupOf(root, this.scope)], controllers, dir, changes);
      if (isLeft(limited)) return left({ id, code: 'ELIMITS', message: `its limits cannot be written: ${limited.left.message}` });
    }
    this.made.set(id, { dir, limits: writes });
    return right(undefined);
  }

  /**
   * The cgroup `id`'s daemon runs in: its own, once made; for a recorded
   * process of `pid` not desired, its id's cgroup where it runs in it, else
   * the cgroup its record names (`recorded`: a manager that ran under
   * another root), where that is one of the scope's for `id` (see
   * {@link ServiceCgroups.fromRecord}) and holds `pid`.
   */
  of(id: string, pid?: number, recorded?: string): string | undefined {
    const known = this.made.get(id)?.dir;
    if (known !== undefined || pid === undefined) return known;
    return [this.dirOf(id), recorded === undefined ? undefined : this.fromRecord(id, recorded)].find((dir) => dir !== undefined && this.cgroups.holds(dir, pid));
  }

  /**
   * The scope's cgroups (a crashed manager's included): under this
   * manager's root, and under each other root a record names (`recorded`,
   * by id: its manager ran elsewhere, in a systemd unit while this one runs
   * from a login shell). A named cgroup that is not one of the scope's for
   * its id is said at warn level, and not looked under.
   */
  listed(recorded: ReadonlyMap<string, string> = new Map()): ScopeCgroup[] {
    const scopeDir = this.scopeDir;
    if (scopeDir === undefined) return [];
    const scopeDirs = new Set([scopeDir]);
    for (const [id, dir] of recorded) {
      const found = this.fromRecord(id, dir, true);
      if (found !== undefined && !scopeDirs.has(dirname(found))) {
        scopeDirs.add(dirname(found));
        this.elsewhere.add(dirname(found));
      }
    }
    return [...scopeDirs].flatMap((dir) => this.cgroups.list(dirname(dir), this.scope).map((id) => ({ id, dir: join(dir, id) })));
  }

  /** Whether `pid` runs in one of the cgroups `listed`. */
  holds(listed: readonly ScopeCgroup[], pid: number): boolean {
    return listed.some(({ dir }) => this.cgroups.holds(dir, pid));
  }

  /**
   * Cgroup `dir` as the record of `id` names it, checked before use: under
   * cgroup containment, `<root>/rxd-<scope>/<id>` for that very id and this
   * data dir's scope (see {@link recordedCgroupProblem}), and a cgroup v2
   * directory reached through no symlink; else undefined, said at warn
   * level when `say`.
   */
  private fromRecord(id: string, dir: string, say = false): string | undefined {
    if (this.containment.mode !== 'cgroup') return undefined;
    const problem = recordedCgroupProblem(dir, this.scope, id) ?? (this.cgroups.isCgroup(dir) ? undefined : 'it is not a cgroup v2 directory reached through no symlink (gone, or not ours)');
    if (problem !== undefined && say) this.logger.warn(`rxdaemon manager: the cgroup ${dir} that the record of ${id} names is not used: ${problem}`);
    return problem === undefined ? dir : undefined;
  }

  /**
   * Ends every process left in a cgroup of the scope (cgroup.kill) and
   * completes once it holds none; then removes the cgroup, unless `keep`
   * and it is its id's under this manager's root (one under another root
   * is never spawned in again: it goes, with the scope's cgroup there once
   * that holds no other). At once
   * when it holds none. A kill that fails is said, and the cgroup left; so
   * is one still populated {@link LEFTOVERS_WAIT_MS} after its kill.
   */
  end$({ id, dir }: ScopeCgroup, keep: boolean): Observable<never> {
    // One read of cgroup.events tells whether anything is left: no watch is set for a cgroup found empty.
    return defer(() => (this.cgroups.isPopulated(dir) ? this.kill$(dir) : of(true))).pipe(
      concatMap((ended) => {
        if (!ended) return EMPTY;
        if (dir !== this.dirOf(id)) this.removeElsewhere(dir);
        else if (!keep) this.remove(id);
        return EMPTY;
      }),
    );
  }

  /**
   * Kills cgroup `dir` (see {@link endCgroup$}): true once it holds no
   * process, false (said) when it cannot be killed, cannot be watched, or
   * still holds one after {@link LEFTOVERS_WAIT_MS}: a restore or a
   * shutdown must still end.
   */
  private kill$(dir: string): Observable<boolean> {
    return defer(() => {
      this.logger.info(`rxdaemon manager: ending the processes left in ${dir}, which no live record accounts for`);
      return endCgroup$(this.cgroups, dir, this.scheduler);
    }).pipe(
      tap((end) => {
        if (end.kind === 'not-killed') this.logger.warn(`rxdaemon manager: cannot end the processes left in ${dir}: ${end.problem.message}`);
        else if (end.kind === 'outlived') this.logger.warn(`rxdaemon manager: the processes left in ${dir} outlived cgroup.kill for ${LEFTOVERS_WAIT_MS / 1_000} s (in uninterruptible sleep?): its cgroup is left to the next manager`);
        else if (end.kind === 'unwatched') this.logger.warn(`rxdaemon manager: the processes left in ${dir} were killed, but its cgroup.events cannot be watched (${String(end.error)}): its cgroup is left to the next manager`);
      }),
      map((end) => end.kind === 'empty'),
    );
  }

  /** Removes `id`'s cgroup; one still populated (EBUSY) is left to the next manager, said at debug level. */
  remove(id: string): void {
    const dir = this.dirOf(id);
    this.made.delete(id);
    if (dir !== undefined) this.removeDir(dir);
  }

  /** After a kill: every service's cgroup and the scope's, leaves first; those under other roots that records named too. */
  removeAll(): void {
    this.made.clear();
    const dir = this.scopeDir;
    if (dir !== undefined) this.removeDir(dir);
    for (const other of this.elsewhere) this.removeDir(other);
    this.elsewhere.clear();
  }

  /** Removes a cgroup of the scope under another root than this manager's (no service of this one runs there), and the scope's cgroup there once it holds no other. */
  private removeElsewhere(dir: string): void {
    this.removeDir(dir);
    const scopeDir = dirname(dir);
    if (this.cgroups.list(dirname(scopeDir), this.scope).length === 0) this.removeDir(scopeDir);
  }

  private dirOf(id: string): string | undefined {
    const scope = this.scopeDir;
    return scope === undefined ? undefined : join(scope, id);
  }

  private removeDir(dir: string): void {
    const removed = this.cgroups.remove(dir);
    if (isLeft(removed)) this.logger.debug(`rxdaemon manager: cgroup ${dir} left for the next manager: ${removed.left.message}`);
  }

  /** The kernel's no-internal-process rule: the manager leaves its own cgroup before controllers are enabled below it. */
  private enterLeafFor(controllers: readonly string[]): Either<{ readonly message: string }, void> {
    if (this.inSupervisorLeaf || this.containment.mode !== 'cgroup' || !supervisorLeafNeeded(this.containment.hierarchy, controllers)) return right(undefined);
    const entered = this.cgroups.enterSupervisorLeaf(this.containment.hierarchy.root, this.scope);
    if (isLeft(entered)) return entered;
    this.inSupervisorLeaf = true;
    return right(undefined);
  }
}
