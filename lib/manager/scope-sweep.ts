import type { Observable } from 'rxjs';
import type { Marked } from '../process/system-scans.js';
import type { ScopeCgroup, ServiceCgroups } from './service-cgroups.js';

/** What a sweep of the scope's cgroups needs of the fleet. */
export interface SweepPorts {
  /** The ids the restore adopted: their cgroups hold their own processes. */
  readonly adopted: readonly string[];
  /** Whether `id` is desired: its cgroup is kept for its next spawn. */
  readonly desired: (id: string) => boolean;
  /** Retires `id` by `gone$`, after whatever retires it already (its recorded process's stop): its next spawn waits for it. */
  readonly chain: (id: string, gone$: Observable<never>) => void;
}

/**
 * The live processes of the scope that the `/proc` environ scan found
 * outside the scope's cgroups (`listed`): 0.2's, or those of a manager in
 * process-group mode. Those inside are the sweep's (see {@link sweepScope}).
 */
export const outsideScopeCgroups = (marked: readonly Marked[], cgroups: ServiceCgroups, listed: readonly ScopeCgroup[]): readonly Marked[] =>
  listed.length === 0 ? marked : marked.filter(({ pid }) => !cgroups.holds(listed, pid));

/**
 * M8 by cgroup: the scope's cgroups (`listed`, a crashed manager's
 * included, and those under the other roots its records name) that no
 * adopted process accounts for. Whatever still runs in
 * one (an escapee of a stop a SIGKILLed manager never finished, a stray
 * that dropped its RXDAEMON_* variables) is killed once the stop of its
 * id's recorded process is done, and before that id's first spawn, so its
 * next run starts alone in its cgroup; the cgroup of an id no longer
 * desired is then removed, an empty one at once.
 */
export const sweepScope = (cgroups: ServiceCgroups, listed: readonly ScopeCgroup[], ports: SweepPorts): void => {
  for (const cgroup of listed) {
    if (!ports.adopted.includes(cgroup.id)) ports.chain(cgroup.id, cgroups.end$(cgroup, ports.desired(cgroup.id)));
  }
};
