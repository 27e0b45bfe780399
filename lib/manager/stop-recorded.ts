import { asyncScheduler, defer, of, timer, type Observable } from 'rxjs';
import { DataDir } from './data-dir.js';
import type { ManagerEvent } from './events.js';
import { manage, type ManagerOptions } from './manage.js';

/** Options of {@link stopRecorded$}: those of a manager that has no set of its own to run. */
export type StopRecordedOptions = Omit<ManagerOptions, 'dataDir' | 'close$' | 'kill$' | 'control$'>;

/**
 * Stops every process the records of data dir `root` hold, where no manager
 * runs (one left with `--keep-on-exit`, or SIGKILLed): `rxdaemon shutdown`
 * without a manager. It is a manager of an empty set, killed as soon as it
 * has started, so every step is the one a manager takes: the data dir's
 * lock first (a manager starting meanwhile waits, M7), then each record
 * checked by its process's identity exactly as adoption checks it (pid,
 * start time, boot: S8), each verified process stopped as its record says
 * (its stop signal, grace and group, then SIGKILL), the scope's strays too
 * (M8); under containment, what is left in a service's cgroup once its
 * leader exited (a setsid escapee) ended by `cgroup.kill`, and the scope's
 * cgroups removed; a record whose process cannot be verified is a `restore-skipped`,
 * never signalled. The records are emptied of what is gone, and one-shots'
 * completions forgotten, as by `kill()`.
 *
 * Emits the manager's events; completes after `manager-stopped`, or
 * `manager-refused` (`ELOCKED`: a manager runs; `EDATADIR`: no data dir
 * there, or its records cannot be read; nothing is created or touched).
 *
 * @example
 * stopRecorded$('/var/lib/agent/daemons').subscribe((event) => console.log(event.type));
 */
export const stopRecorded$ = (root: string, options: StopRecordedOptions = {}): Observable<ManagerEvent> =>
  defer(() => {
    const scheduler = options.scheduler ?? asyncScheduler;
    // A manager would make the data dir it is given; one that is not there holds no records, and is most likely a typo.
    const problem = new DataDir(root).problem();
    if (problem !== undefined) return of<ManagerEvent>({ type: 'manager-refused', at: scheduler.now(), code: 'EDATADIR', message: problem });
    // The first (empty) set is applied, and the records restored, inside the subscription: the kill comes right after.
    return manage(of({}), { ...options, dataDir: root, kill$: timer(0, scheduler) });
  });
