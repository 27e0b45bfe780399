import { join } from 'node:path';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { concatMap, defer, EMPTY, first, map, of, timeout, type Observable, type SchedulerLike } from 'rxjs';
import { LEFTOVERS_WAIT_MS } from '../daemon/exited.js';
import type { Logger } from '../logger.js';
import type { Cgroups } from '../process/cgroups.js';
import type { Containment } from '../process/cgroup/containment.js';
import { supervisorLeafNeeded } from '../process/cgroup/layout.js';
import { limitControllers, limitResets, limitWrites, type CgroupLimits, type LimitsRefused, type LimitWrite } from '../process/cgroup/limits.js';
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
    return this.containment.mode === 'cgroup' ? join(this.containment.hierarchy.root, `rxd-${this.scope}`) : undefined;
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
      const limited = isLeft(applied) ? applied : this.cgroups.limit([root, join(root, `rxd-${this.scope}`)], controllers, dir, changes);
      if (isLeft(limited)) return left({ id, code: 'ELIMITS', message: `its limits cannot be written: ${limited.left.message}` });
    }
    this.made.set(id, { dir, limits: writes });
    return right(undefined);
  }

  /** The cgroup `id`'s daemon runs in: its own, once made; for a recorded process of `pid` not desired, its id's cgroup where it runs in it. */
  of(id: string, pid?: number): string | undefined {
    const known = this.made.get(id)?.dir;
    if (known !== undefined || pid === undefined) return known;
    const dir = this.dirOf(id);
    return dir !== undefined && this.cgroups.holds(dir, pid) ? dir : undefined;
  }

  /** The ids whose cgroups the scope holds (a crashed manager's included). */
  listed(): string[] {
    return this.containment.mode === 'cgroup' ? this.cgroups.list(this.containment.hierarchy.root, this.scope) : [];
  }

  /** Whether `pid` runs in one of `ids`' cgroups. */
  holds(ids: readonly string[], pid: number): boolean {
    return ids.some((id) => {
      const dir = this.dirOf(id);
      return dir !== undefined && this.cgroups.holds(dir, pid);
    });
  }

  /**
   * Ends every process left in `id`'s cgroup (cgroup.kill) and completes
   * once it holds none; then, unless `keep`, removes the cgroup. At once
   * when it holds none. A kill that fails is said, and the cgroup left; so
   * is one still populated {@link LEFTOVERS_WAIT_MS} after its kill.
   */
  end$(id: string, keep: boolean): Observable<never> {
    return defer(() => {
      const dir = this.dirOf(id);
      if (dir === undefined) return EMPTY;
      return this.cgroups.populated$(dir).pipe(
        first(),
        concatMap((populated) => (populated ? this.kill$(dir) : of(true))),
        concatMap((ended) => {
          if (ended && !keep) this.remove(id);
          return EMPTY;
        }),
      );
    });
  }

  /**
   * Kills cgroup `dir`: true once it holds no process, false (said) when
   * it cannot be killed or still holds one after {@link LEFTOVERS_WAIT_MS}:
   * a process in uninterruptible sleep (D state, a hung NFS mount) outlives
   * a SIGKILL for a while, and a restore or a shutdown must still end.
   */
  private kill$(dir: string): Observable<boolean> {
    return defer(() => {
      this.logger.info(`rxdaemon manager: ending the processes left in ${dir}, which no live record accounts for`);
      const killed = this.cgroups.kill(dir);
      if (isLeft(killed)) {
        this.logger.warn(`rxdaemon manager: cannot end the processes left in ${dir}: ${killed.left.message}`);
        return of(false);
      }
      return this.cgroups.populated$(dir).pipe(
        first((populated) => !populated),
        map(() => true),
        timeout({
          first: LEFTOVERS_WAIT_MS,
          scheduler: this.scheduler,
          with: () => {
            this.logger.warn(`rxdaemon manager: the processes left in ${dir} outlived cgroup.kill for ${LEFTOVERS_WAIT_MS / 1_000} s (in uninterruptible sleep?): its cgroup is left to the next manager`);
            return of(false);
          },
        }),
      );
    });
  }

  /** Removes `id`'s cgroup; one still populated (EBUSY) is left to the next manager, said at debug level. */
  remove(id: string): void {
    const dir = this.dirOf(id);
    this.made.delete(id);
    if (dir !== undefined) this.removeDir(dir);
  }

  /** After a kill: every service's cgroup and the scope's, leaves first. */
  removeAll(): void {
    this.made.clear();
    const dir = this.scopeDir;
    if (dir !== undefined) this.removeDir(dir);
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
