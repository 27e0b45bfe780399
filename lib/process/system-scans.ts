import type { SchedulerLike } from 'rxjs';
import type { ProcessIdentity } from './identity.js';
import type { Headroom } from './limits.js';
import type { SpawnIntent } from './spawn-intent.js';
import type { SpawnSpec } from './spawn-spec.js';

/** A live process found carrying a mark in its environment (see `SystemScans.findMarked`). */
export interface Marked extends ProcessIdentity {
  readonly ppid: number;
  readonly session: number;
  /** The value of the variable asked for with `alsoRead`, when it has it. */
  readonly also: string | undefined;
}

/**
 * A live session leader that may be the process of a spawn whose record a
 * killed manager never wrote (see `SystemScans.findSpawned`).
 */
export interface Spawned extends ProcessIdentity {
  readonly startTime: string;
  /**
   * `same`: /proc/<pid>/exe is the spawn's executable. `unreadable`: it
   * could not be read (a process that is not dumpable, seen by a user other
   * than root), so whether it is the spawn's cannot be told.
   */
  readonly executable: 'same' | 'unreadable';
}

/**
 * The system seam of a `ProcessDriver`: what the OS tells of all its
 * processes and of itself (Linux: /proc and its limits). It never signals.
 */
export interface SystemScans {
  /**
   * Every live process whose environment, as it was at exec, holds
   * `name=value`, with the value of `alsoRead` (M8: the processes of one
   * manager's scope, and their ids). Only processes this user may inspect
   * are seen; where the OS cannot tell, none.
   */
  findMarked(name: string, value: string, alsoRead: string): Marked[];
  /**
   * M8, just before a spawn: the moment (ticks since boot) and what decides
   * the file it runs (the command, the absolute cwd, the child's PATH), for
   * a manager to write down before the fork. Null where the OS tells no
   * time since boot: nothing could be found by it later.
   */
  spawnIntent(spec: Pick<SpawnSpec, 'command' | 'cwd' | 'env' | 'dropEnv'>): SpawnIntent | null;
  /**
   * M8: for each intent (of this boot), the live processes that may be its
   * spawn's: session leaders started at most `within` ticks after it that
   * this user may signal, whose environment does not visibly carry
   * `unlessMarked`, running the intent's executable (`same`) or one that
   * cannot be read (`unreadable`). Where the OS cannot tell, none.
   */
  findSpawned(intents: readonly SpawnIntent[], within: number, unlessMarked: string): Spawned[][];
  /**
   * When the process started, on the clock that reads `now` (the
   * scheduler's, in ms): the moment of the boot on that clock (`now` less
   * the time since boot) plus the target's start time (ticks after boot).
   * Null where that cannot be told (no start time, no /proc/uptime). It
   * reads no /proc/<pid>/stat: the start time is the target's own, checked
   * when it was adopted.
   */
  startedAt(target: ProcessIdentity, now: number): number | null;
  /** The limit of the OS that would stop `wanted` more processes from starting (RLIMIT_NPROC, pid_max, threads-max); undefined when there is room. */
  headroom(wanted: number): Headroom | undefined;
  /** This boot's identity (Linux: /proc/sys/kernel/random/boot_id), or null where the OS has none. */
  bootId(): string | null;
  /** Optional, as `Processes.useScheduler`: for a seam that keeps time of its own. */
  useScheduler?(scheduler: SchedulerLike): void;
}
