import type { Files } from '../fs/files.js';
import type { Cgroups } from './cgroups.js';
import type { Processes } from './processes.js';
import type { SystemScans } from './system-scans.js';

/**
 * The OS as the pipeline sees it, in four seams. The pipeline reaches
 * processes and files only through a driver, and time only through its
 * scheduler, so the fakes of `rxdaemon/testing` can replay every rule in
 * virtual time. Where a driver is an option (`DaemonOptions.driver`,
 * `ManagerOptions.driver`), each seam may be left out: a missing one is
 * the OS's, so a test supplies only the seams it fakes.
 *
 * @example
 * // Fake processes, real files: the pid file is written to disk.
 * const daemon = new Daemon({ command: 'x' }, { driver: { processes: new FakeProcesses() }, pidFile: '/tmp/x.pid' });
 */
export interface ProcessDriver {
  /** One process at a time: spawn, signal, probe, watch. */
  readonly processes: Processes;
  /** Scans of the whole system: the processes of a scope, the traces of a spawn, the OS's limits, the boot. */
  readonly system: SystemScans;
  /** The files of a daemon's supervision: pid files written and removed, output files read and rotated. */
  readonly files: Files;
  /** Cgroups (Containment): each service's found, made, watched, killed and measured; none for a driver whose processes are fakes. */
  readonly cgroups: Cgroups;
}
