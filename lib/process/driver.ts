import type { Either } from 'fp-ts/lib/Either.js';
import type { Observable, SchedulerLike } from 'rxjs';
import type { FileSource } from '../fs/file-source.js';
import type { RotateOutcome } from '../fs/rotate.js';
import type { ProcessIdentity } from './identity.js';
import type { Headroom } from './limits.js';
import type { SpawnIntent } from './spawn-intent.js';
import type { Signal } from '../signal-name.js';

/** Where a child's stdout or stderr goes: never a pipe, which would kill it with SIGPIPE once the supervisor is gone. */
export type Stdio = 'ignore' | 'inherit' | { readonly file: string };

/** Everything a driver needs to start one process; options are already resolved. */
export interface SpawnSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  /** Added on top of the supervisor's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Removed from the inherited environment before `env` is added. */
  readonly dropEnv: readonly string[];
  readonly stdout: Stdio;
  readonly stderr: Stdio;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
}

/** How a process ended: an exit code, or the signal that killed it, never both. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: Signal | null;
}

/** Where a run's output begins in its output files that are files: their sizes, in bytes, when the process was spawned. */
export interface OutputOffsets {
  readonly stdout?: number;
  readonly stderr?: number;
}

/** Where a run's output begins ({@link OutputOffsets}), and how many times each file had been rotated then (`FileLook.rotations`). */
export interface OutputStart extends OutputOffsets {
  readonly stdoutRotations?: number;
  readonly stderrRotations?: number;
}

/** A process this supervisor started and still holds. */
export interface ChildHandle {
  readonly pid: number;
  /** Where its output begins in the output files that are files (they are appended to across runs). */
  readonly outputStart?: OutputStart;
  /** Emits once when the process has been reaped, then completes; replayed to late subscribers. */
  readonly exit$: Observable<ExitStatus>;
  /** Lets go of the process: it keeps running and no longer keeps the supervisor alive. */
  release(): void;
}

/** Why a spawn failed, as an errno-style code and a message free of secrets. */
export interface SpawnFailure {
  readonly code: string;
  readonly message: string;
}

/** What the OS says about a pid, learnt without sending a signal. */
export interface ProcessProbe {
  /**
   * `foreign`: it exists but this user may not signal it (EPERM). `hidden`:
   * it exists and may be signalled, but /proc does not show it (a `hidepid`
   * mount, another pid namespace's /proc), so its start time, and whether it
   * is the process one means, cannot be told: neither gone nor safe to act
   * on. A zombie is `dead`.
   */
  readonly state: 'alive' | 'dead' | 'foreign' | 'hidden';
  /** Start time since boot (Linux: /proc/<pid>/stat field 22); null where the OS does not tell. */
  readonly startTime: string | null;
}

/** A cheap look at one process, repeated at every tick of a liveness poll. */
export interface ProcessWatch {
  /** Whether the process is gone: exited (a zombie counts), or its pid now names another process. */
  gone(): boolean;
  /** Frees what the watch holds. */
  close(): void;
}

/** A live process found carrying a mark in its environment (see `ProcessDriver.findMarked`). */
export interface Marked extends ProcessIdentity {
  readonly ppid: number;
  readonly session: number;
  /** The value of the variable asked for with `alsoRead`, when it has it. */
  readonly also: string | undefined;
}

/**
 * A live session leader that may be the process of a spawn whose record a
 * killed manager never wrote (see `ProcessDriver.findSpawned`).
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

/** Why a signal was not delivered. `ESRCH` and `EPIDREUSED` both mean: the process we meant is gone. */
export interface KillError {
  readonly code: 'ESRCH' | 'EPERM' | 'EPIDREUSED' | 'EINVAL';
  readonly message: string;
}

/**
 * The seam between the pipeline and the operating system. The pipeline
 * reaches processes and files only through a driver, and time only through
 * its scheduler, so {@link FakeDriver} can replay every rule in virtual time.
 */
export interface ProcessDriver {
  /** The supervisor's own pid, which may never be adopted or signalled. */
  readonly ownPid: number;
  /**
   * Starts a process in its own session. Emits the handle synchronously on
   * subscription when the process was created, then completes; errors with a
   * {@link SpawnFailure} (possibly later) when it was not. Unsubscribing never
   * touches the process.
   */
  spawn(spec: SpawnSpec): Observable<ChildHandle>;
  /**
   * Sends `signal` to the target, or to its process group when `group` is set
   * and the target still leads its group. Refuses a pid that is not this
   * driver's live child and whose start time differs from the target's.
   */
  kill(target: ProcessIdentity, signal: Signal, group: boolean): Either<KillError, void>;
  /**
   * S5, after a group leader's exit has been observed: SIGKILLs whatever is
   * left in its process group (a dead nginx master's workers, which would
   * otherwise keep its port), and says whether anything was. It never
   * signals a group whose id another process now holds as its pid.
   */
  endGroup(leader: ProcessIdentity): boolean;
  /** Whether any live process (zombies aside) is still in the group `pgid`. */
  groupRemains(pgid: number): boolean;
  /** Looks at a pid without signalling it. */
  probe(pid: number): ProcessProbe;
  /**
   * When the process started, on the clock that reads `now` (the
   * scheduler's, in ms): the moment of the boot on that clock (`now` less
   * the time since boot) plus the target's start time (ticks after boot).
   * Null where that cannot be told (no start time, no /proc/uptime). It
   * reads no /proc/<pid>/stat: the start time is the target's own, checked
   * when it was adopted.
   */
  startedAt(target: ProcessIdentity, now: number): number | null;
  /** Starts watching a process this driver did not start, for a liveness poll; never signals it. */
  watch(target: ProcessIdentity): ProcessWatch;
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
  /** The limit of the OS that would stop `wanted` more processes from starting (RLIMIT_NPROC, pid_max, threads-max); undefined when there is room. */
  headroom(wanted: number): Headroom | undefined;
  /** This boot's identity (Linux: /proc/sys/kernel/random/boot_id), or null where the OS has none. */
  bootId(): string | null;
  /**
   * Optional, for a driver whose processes keep time of their own (the
   * FakeDriver of `rxdaemon/testing`): called with the scheduler a daemon's
   * or a manager's options resolved to, each time they are resolved, so the
   * driver's clock is the pipeline's. It throws a TypeError to refuse a
   * scheduler other than the one it already runs on. A real driver needs
   * none: the OS keeps its processes' time.
   */
  useScheduler?(scheduler: SchedulerLike): void;
  /** Atomically replaces `path` with `data` (mode 0600 unless given), never through a symlink; completes or errors. Used for pid files: not fsynced. */
  writeFile(path: string, data: string, mode?: number): Observable<void>;
  /** How the output files are read: by `lines$` and for the crash report (`exited.tail`). */
  readonly output: FileSource;
  /**
   * Rotates the log at `path` when it is past `maxBytes`, keeping `backups`
   * copies (see `maxLogBytes`); emits whether it did, or why it failed (an
   * expected failure: a refused or unreadable file), then completes. One
   * rotation of a path runs at a time; `output.look` counts the rotations.
   */
  rotate(path: string, maxBytes: number, backups: number): Observable<RotateOutcome>;
  /** Removes `path`; a file that is already gone is success. */
  removeFile(path: string): Observable<void>;
}
