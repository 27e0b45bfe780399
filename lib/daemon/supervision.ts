import type { Either } from 'fp-ts/lib/Either.js';
import type { Observable } from 'rxjs';
import type { Command } from '../command.js';
import { eventFactory, type EventFactory } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import type { KillError } from '../process/processes.js';
import type { SpawnSpec } from '../process/spawn-spec.js';
import { pidFile, type PidFile } from './pid-file.js';
import type { Running } from './running.js';
import type { Signal } from '../signal-name.js';

/** How supervision is asked to end: `stop` ends the process, `close` leaves it running. */
export type Ending = 'stop' | 'close';

/**
 * What every run of one subscription to `supervise()` shares. It is fixed
 * for the subscription's life: what changes from run to run (the attempt,
 * the process) flows through the restart loop as values.
 */
export interface Supervision {
  readonly options: ResolvedOptions;
  readonly spec: SpawnSpec;
  readonly event: EventFactory;
  readonly pidFile: PidFile;
  /** The one ending asked for, replayed to whoever subscribes later; silent until then. */
  readonly ending$: Observable<Ending>;
  /** Each emission asks for a restart: the running process stopped gracefully, then an immediate spawn as attempt 1. Hot. */
  readonly restart$: Observable<unknown>;
  /** Signals a process (or its group), guarded against pid reuse by the driver. */
  signal(running: Running, signal: Signal): Either<KillError, void>;
}

/** The variable that carries a manager's scope (M8). */
export const SCOPE_VARIABLE = 'RXDAEMON_SCOPE';

/**
 * The child's environment on top of the supervisor's: the command's own,
 * then the id, token and scope variables. Those three are dropped from what
 * the supervisor inherited: an outer supervisor's must never leak into this
 * child, where they would make it pass for the outer one's.
 */
const specOf = (command: Command, options: ResolvedOptions): SpawnSpec => {
  const { envNames, scope } = options;
  return {
    command: command.command,
    args: command.args ?? [],
    cwd: command.cwd,
    env: {
      ...command.env,
      ...(command.id === undefined ? {} : { [envNames.id]: command.id }),
      ...(command.token === undefined ? {} : { [envNames.token]: command.token }),
      ...(scope === undefined ? {} : { [SCOPE_VARIABLE]: scope }),
    },
    dropEnv: [envNames.id, envNames.token, SCOPE_VARIABLE],
    stdout: options.stdout,
    stderr: options.stderr,
    uid: options.uid,
    gid: options.gid,
  };
};

export const supervision = (command: Command, options: ResolvedOptions, ending$: Observable<Ending>, restart$: Observable<unknown>): Supervision => {
  const { scheduler, driver, killProcessGroup } = options;
  const event = eventFactory(() => scheduler.now(), command.id);
  return {
    options,
    spec: specOf(command, options),
    event,
    pidFile: pidFile(options.pidFile, driver.files, event),
    ending$,
    restart$,
    signal: (running, signal) => driver.processes.kill(running, signal, killProcessGroup),
  };
};
