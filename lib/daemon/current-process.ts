import type { Command } from '../command.js';
import type { DaemonEvent } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import type { OutputOffsets } from '../process/processes.js';
import type { ProcessDriver } from '../process/driver.js';
import type { DaemonSnapshot, Pid } from '../snapshot/codec.js';
import type { Adoptee } from '../snapshot/adoptee.js';

/**
 * The process a daemon supervises now, as its snapshot records it: its pid,
 * its start time (undefined until first needed), and what a record keeps
 * of its run.
 */
export interface CurrentProcess {
  readonly pid: number;
  readonly startTime: string | null | undefined;
  readonly attempt: number;
  readonly outputStart: OutputOffsets | undefined;
  /** The cgroup it runs in (Containment), from its `started` or `adopted`. */
  readonly cgroup?: string;
}

/** A current process whose start time is known (null where the OS does not tell). */
export type KnownProcess = CurrentProcess & { readonly startTime: string | null };

/** An adopted process is current from `restore()` on, before its `adopted` is emitted, so a snapshot taken at once holds it. */
export const adoptedCurrent = ({ pid, startTime, attempt, outputStart }: Adoptee): KnownProcess => ({ pid, startTime, attempt: attempt ?? 0, outputStart });

/**
 * The current process read once and kept, with its start time. Read lazily,
 * off the restart path: while a child of ours is current its exit has not
 * been observed, and Node observes an exit in the same callback that reaps
 * it, so its pid cannot belong to anyone else yet.
 */
export const withStartTime = (current: CurrentProcess | undefined, driver: ProcessDriver): KnownProcess | undefined => {
  if (current === undefined || isKnown(current)) return current;
  return { ...current, startTime: driver.processes.probe(current.pid).startTime };
};

const cgroupOf = ({ cgroup }: { readonly cgroup?: string | undefined }): { readonly cgroup?: string } => (cgroup === undefined ? {} : { cgroup });

const isKnown = (current: CurrentProcess): current is KnownProcess => current.startTime !== undefined;

/** The current process after an event: a spawned one from its `started` on, none from its `exited`. */
export const currentAfter = (current: CurrentProcess | undefined, event: DaemonEvent, driver: ProcessDriver): CurrentProcess | undefined => {
  switch (event.type) {
    case 'started':
      return { pid: event.pid, startTime: undefined, attempt: event.attempt, outputStart: event.outputStart, ...cgroupOf(event) };
    case 'adopted':
      // Current since restore(); only now is it known to run in the daemon's cgroup.
      return current === undefined ? current : { ...current, ...cgroupOf(event) };
    case 'exited':
      return undefined;
    case 'closed':
      // Released now: from here on only the start time tells this process from a later one with its pid.
      return withStartTime(current, driver);
    default:
      return current;
  }
};

/**
 * S7: what a later supervisor needs to adopt `current`: the command, the
 * token's salted hash (never the token), the run's attempt and where its
 * output begins, which a restore carries on, and how the process is stopped
 * (`stopSignal`, `gracefulStopMs`, `killProcessGroup`, and the `cgroup` it
 * runs in), for a supervisor that has no options for it.
 */
export const snapshotOf = (cmd: Command, options: ResolvedOptions, current: KnownProcess, tokenHash: string | undefined): DaemonSnapshot => {
  const { command, args = [], env = {}, cwd, id } = cmd;
  const { stopSignal, gracefulStopMs, killProcessGroup, driver } = options;
  return {
    version: 1,
    pid: current.pid as Pid,
    startTime: current.startTime,
    bootId: driver.system.bootId(),
    command,
    args: [...args],
    env: { ...env },
    ...(cwd === undefined ? {} : { cwd }),
    ...(id === undefined ? {} : { id }),
    ...(tokenHash === undefined ? {} : { tokenHash }),
    attempt: current.attempt,
    ...(current.outputStart === undefined ? {} : { outputStart: current.outputStart }),
    stopSignal,
    gracefulStopMs,
    killProcessGroup,
    ...cgroupOf(current),
  };
};
