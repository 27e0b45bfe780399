import type { Either } from 'fp-ts/lib/Either.js';
import type { Observable } from 'rxjs';
import type { Command } from '../command.js';
import { eventFactory, type EventFactory } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import type { KillError } from '../process/processes.js';
import type { SpawnSpec } from '../process/spawn-spec.js';
import type { Signal } from '../signal-name.js';
import type { LiveProcess } from './live-process.js';
import { pidFile, type PidFile } from './pid-file.js';
import type { Ending, Requests } from './requests.js';
import { spawnSpecOf } from './spawn-spec.js';

/**
 * What every run of one daemon's life shares. It is fixed for the life's
 * length: what changes from run to run (the attempt, the process) flows
 * through the restart loop as values.
 */
export interface DaemonContext {
  readonly options: ResolvedOptions;
  readonly spec: SpawnSpec;
  readonly event: EventFactory;
  readonly pidFile: PidFile;
  /** The one ending asked for, replayed to whoever subscribes later; silent until then. */
  readonly ending$: Observable<Ending>;
  /** Each emission asks for a restart: the running process stopped gracefully, then an immediate spawn as attempt 1. Hot. */
  readonly restart$: Observable<unknown>;
  /** Signals a process (or its group), guarded against pid reuse by the driver. */
  signal(process: LiveProcess, signal: Signal): Either<KillError, void>;
}

/** The context of a life of `command`, for options already checked and what its owner asks. */
export const daemonContext = (command: Command, options: ResolvedOptions, { ending, restart$ }: Requests): DaemonContext => {
  const { scheduler, driver, killProcessGroup } = options;
  const event = eventFactory(() => scheduler.now(), command.id);
  return {
    options,
    spec: spawnSpecOf(command, options),
    event,
    pidFile: pidFile(options.pidFile, driver.files, event),
    ending$: ending,
    restart$,
    signal: (process, signal) => driver.processes.kill(process, signal, killProcessGroup),
  };
};
