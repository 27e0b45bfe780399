import { join } from 'node:path';
import { left, right } from 'fp-ts/lib/Either.js';
import { asyncScheduler, BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { ServiceCgroups } from '../../lib/manager/service-cgroups.js';
import { silentLogger } from '../../lib/logger.js';
import { noCgroups, type Cgroups } from '../../lib/process/cgroups.js';
import type { CgroupHierarchy } from '../../lib/process/cgroup/discovery.js';
import type { LimitWrite } from '../../lib/process/cgroup/limits.js';
import type { FakeDriver } from '../../lib/testing/fake-driver.js';
import type { ProcessDriver } from '../../lib/process/driver.js';

/** The fleet's cgroups under process-group containment: none. */
export const processGroups = (): ServiceCgroups => new ServiceCgroups({ mode: 'process-group', reason: 'spec' }, noCgroups, 'spec', silentLogger, asyncScheduler);

/**
 * The cgroups seam in memory, for manager specs: a hierarchy at
 * `/cg` with the controllers given, cgroups made, limited, populated by
 * hand (`populate`), killed (emptied at once) and removed, every act
 * recorded in `acts`.
 */
export class SpecCgroups implements Cgroups {
  readonly hierarchy: CgroupHierarchy;
  /** What was done, in order: `create <dir>`, `limit <dir> <file>=<value>`, `kill <dir>`, `remove <dir>`. */
  readonly acts: string[] = [];
  private readonly dirs = new Map<string, BehaviorSubject<boolean>>();

  constructor(controllers: readonly string[] = []) {
    this.hierarchy = { mountPoint: '/cg', own: '/cg/mine', root: '/cg/mine', kill: true, controllers, subtreeControl: [] };
  }

  readonly discover: Cgroups['discover'] = () => right(this.hierarchy);

  readonly create: Cgroups['create'] = (root, scope, id) => {
    if (id === 'supervisor') return left({ code: 'EINVAL', message: "the id `supervisor` names the manager's own cgroup of the scope" });
    if (id === 'cpu.max') return left({ code: 'EEXIST', message: 'a file of that name is there' });
    const dir = join(root, `rxd-${scope}`, id);
    if (!this.dirs.has(dir)) {
      this.dirs.set(dir, new BehaviorSubject(false));
      this.acts.push(`create ${dir}`);
    }
    return right(dir);
  };

  readonly list: Cgroups['list'] = (root, scope) =>
    [...this.dirs.keys()].filter((dir) => dir.startsWith(`${join(root, `rxd-${scope}`)}/`)).map((dir) => dir.slice(join(root, `rxd-${scope}`).length + 1));

  readonly remove: Cgroups['remove'] = (dir) => {
    const below = [...this.dirs].filter(([path]) => path === dir || path.startsWith(`${dir}/`));
    if (below.some(([, populated]) => populated.value)) return left({ code: 'EBUSY', message: `cannot remove the cgroup ${dir}: processes still run in it` });
    for (const [path] of below) this.dirs.delete(path);
    this.acts.push(`remove ${dir}`);
    return right(undefined);
  };

  readonly limit: Cgroups['limit'] = (_parents, _controllers, dir, writes: readonly LimitWrite[]) => {
    for (const { file, value } of writes) this.acts.push(`limit ${dir} ${file}=${value}`);
    return right(undefined);
  };

  readonly enterSupervisorLeaf: Cgroups['enterSupervisorLeaf'] = (root, scope) => right(join(root, `rxd-${scope}`, 'supervisor'));

  readonly isPopulated: Cgroups['isPopulated'] = (dir) => this.subjectOf(dir).value;

  readonly populated$ = (dir: string): Observable<boolean> => this.subjectOf(dir).pipe(distinctUntilChanged());

  readonly kill: Cgroups['kill'] = (dir) => {
    this.acts.push(`kill ${dir}`);
    this.subjectOf(dir).next(false);
    return right(undefined);
  };

  readonly isCgroup: Cgroups['isCgroup'] = (dir) => this.dirs.has(dir);
  readonly holds: Cgroups['holds'] = () => false;
  readonly usage: Cgroups['usage'] = () => undefined;
  readonly oomKills: Cgroups['oomKills'] = () => undefined;

  /** Cgroup `<root>/rxd-<scope>/<id>` as a crashed manager left it: made, holding a process when `populated`. */
  leave(scope: string, id: string, populated: boolean): string {
    const dir = join(this.hierarchy.root, `rxd-${scope}`, id);
    this.dirs.set(dir, new BehaviorSubject(populated));
    return dir;
  }

  /** The cgroups there are now. */
  get made(): string[] {
    return [...this.dirs.keys()];
  }

  private subjectOf(dir: string): BehaviorSubject<boolean> {
    const subject = this.dirs.get(dir);
    if (subject === undefined) throw new Error(`no cgroup ${dir}`);
    return subject;
  }
}

/** A FakeDriver whose services are contained by `cgroups`. */
export const withCgroups = (driver: FakeDriver, cgroups: Cgroups): ProcessDriver => ({ processes: driver.processes, system: driver.system, files: driver.files, cgroups });
