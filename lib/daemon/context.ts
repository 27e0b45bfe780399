import type { Either } from 'fp-ts/lib/Either.js';
import type { Command } from '../command.js';
import { eventFactory, type EventFactory } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import type { LastRun } from '../policy/restart-policy.js';
import type { KillError, SpawnSpec } from '../process/driver.js';
import { PidFile } from '../process/pid-file.js';
import { EffectQueue } from './effect-queue.js';
import type { Running } from './running.js';

/**
 * The state one subscription to `supervise()` carries between the runs of
 * its process: what the restart loop, the stop and the close all need to
 * agree on. It is created per subscription, so a re-subscription starts over.
 */
export class DaemonContext {
  readonly event: EventFactory;
  readonly effects = new EffectQueue();
  readonly pidFile: PidFile;
  readonly spec: SpawnSpec;
  /** Attempts since the start or the last healthy run; 0 before the first. */
  attempt = 0;
  /** How the last run ended; what the restart policy decides from. Set by every run before it completes. */
  last: LastRun | undefined;
  /** The process being supervised; unset from its observed exit on, so an exited pid is never signalled. */
  current: Running | undefined;

  constructor(
    readonly command: Command,
    readonly options: ResolvedOptions,
  ) {
    const { scheduler, driver, envNames } = options;
    this.event = eventFactory(() => scheduler.now(), command.id);
    this.pidFile = new PidFile(options.pidFile, driver, this.event, this.effects);
    this.spec = {
      command: command.command,
      args: command.args ?? [],
      cwd: command.cwd,
      env: {
        ...command.env,
        ...(command.id === undefined ? {} : { [envNames.id]: command.id }),
        ...(command.token === undefined ? {} : { [envNames.token]: command.token }),
      },
      dropEnv: [envNames.id, envNames.token],
      stdout: options.stdout,
      stderr: options.stderr,
      uid: options.uid,
      gid: options.gid,
    };
  }

  /** Signals the current process (or its group), guarded against pid reuse by the driver. */
  signal(running: Running, signal: NodeJS.Signals): Either<KillError, void> {
    return this.options.driver.kill(running, signal, this.options.killProcessGroup);
  }
}
