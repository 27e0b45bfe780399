import { diskFiles } from '../fs/disk-files.js';
import { systemCgroups } from './cgroup/system-cgroups.js';
import { ChildProcesses } from './child-processes.js';
import type { ProcessDriver } from './driver.js';
import { loadExecaLaunch, nodeLaunch } from './launch.js';
import { ProcScans } from './proc-scans.js';

// One of each, process-wide: one table of live children for all daemons, one boot id read.
let node: ProcessDriver | undefined;
let viaExeca: Promise<ProcessDriver> | undefined;
const system = new ProcScans();

/** The default driver, process-wide (one table of live children for all daemons): node's child_process, /proc, the file system, cgroupfs. */
export const defaultDriver = (): ProcessDriver => (node ??= { processes: new ChildProcesses(nodeLaunch), system, files: diskFiles, cgroups: systemCgroups });

/**
 * The default driver with its processes launched through execa 9, for those
 * who want execa's handling of commands; it costs more per restart. It
 * resolves once execa is loaded (on the first call: rxdaemon does not load
 * it otherwise), so that its `spawn` starts a process synchronously, as
 * every driver's does.
 *
 * @example
 * const daemon = new Daemon({ command: 'envoy' }, { driver: await execaDriver() });
 */
export const execaDriver = (): Promise<ProcessDriver> =>
  (viaExeca ??= loadExecaLaunch().then((launch) => ({ ...defaultDriver(), processes: new ChildProcesses(launch) })));
