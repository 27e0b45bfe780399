import { isRight, type Either } from 'fp-ts/lib/Either.js';
import { Daemon } from '../daemon/daemon.js';
import { resolveOptions, type DaemonOptions, type ResolvedOptions } from '../options.js';
import type { RestoreError } from '../snapshot/restore-error.js';
import type { DataDir } from './data-dir.js';
import type { RecordedStop } from './restore.js';
import { daemonOptionsOf, partsOf, type Service, type ServiceOptions } from './service.js';
import type { ServiceCgroups } from './service-cgroups.js';

/**
 * The daemons of a fleet, by id, and what each runs as the desired set
 * said it (the reconcile compares these), each made with the manager's
 * options, the service's own over them (see {@link daemonOptionsOf}),
 * in its id's cgroup under cgroup containment.
 * An id may have a service and no daemon: one waiting for its `after`,
 * or a one-shot not run again.
 */
export class Roster {
  private readonly daemons = new Map<string, Daemon>();
  private readonly services = new Map<string, Service>();

  /** `options` are every daemon's; with a data dir, each gets its own pid file and logs there; each runs in the cgroup `cgroups` says. */
  constructor(
    private readonly options: DaemonOptions & Pick<ResolvedOptions, 'driver' | 'scheduler'>,
    private readonly dataDir: DataDir | undefined,
    private readonly cgroups: Pick<ServiceCgroups, 'of'>,
  ) {}

  /** What each id runs, as the desired set said it. */
  get running(): ReadonlyMap<string, Service> {
    return this.services;
  }

  daemonOf(id: string): Daemon | undefined {
    return this.daemons.get(id);
  }

  serviceOf(id: string): Service | undefined {
    return this.services.get(id);
  }

  /** `id` runs `service` (launched, or a one-shot kept completed). */
  enter(id: string, service: Service): void {
    this.services.set(id, service);
  }

  /** `id` runs nothing any more. */
  leave(id: string): void {
    this.services.delete(id);
  }

  /** `id`'s daemon is no longer the fleet's (stopped, or ended and about to be replaced). */
  drop(id: string): void {
    this.daemons.delete(id);
  }

  /** The daemon of a service whose `after` is met, not started. */
  make(id: string, service: Service): Daemon {
    const { command, options } = partsOf(service);
    const daemon = new Daemon(command, this.optionsFor(id, options));
    this.daemons.set(id, daemon);
    return daemon;
  }

  /** Supervises the recorded process of a desired id again, run with the desired options (and order): it differs from the desired service only if its command does. */
  adopt(id: string, entry: unknown, wanted: Service): Either<RestoreError, Daemon> {
    const { options } = partsOf(wanted);
    const restored = Daemon.restore(entry, { ...this.optionsFor(id, options), token: wanted.token });
    if (isRight(restored)) {
      this.services.set(id, { ...restored.right.command, ...options, ...(wanted.after === undefined ? {} : { after: wanted.after }) });
      this.daemons.set(id, restored.right);
    }
    return restored;
  }

  /** How to stop an adopted process `pid` of `id` that is not to be kept: as its record says (`stop`), over the manager's options; through its id's cgroup, or the one its record names, where it runs in it. */
  stopOptionsOf(id: string, { cgroup: recorded, ...stop }: RecordedStop, pid: number): ResolvedOptions {
    return resolveOptions({ ...this.optionsFor(id, {}, pid, recorded), ...stop });
  }

  /** M5 close: every daemon detached. */
  closeAll(): void {
    for (const daemon of this.daemons.values()) daemon.close();
  }

  private optionsFor(id: string, own: ServiceOptions = {}, pid?: number, recorded?: string): DaemonOptions {
    const cgroup = this.cgroups.of(id, pid, recorded);
    return { ...daemonOptionsOf(id, own, this.options, this.dataDir), ...(cgroup === undefined ? {} : { cgroup }) };
  }
}
