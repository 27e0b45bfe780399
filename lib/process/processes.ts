import type { Either } from 'fp-ts/lib/Either.js';
import type { Observable, SchedulerLike } from 'rxjs';
import type { ProcessIdentity } from './identity.js';
import type { SpawnSpec } from './spawn-spec.js';
import type { Signal } from '../signal-name.js';

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

/** Why a signal was not delivered. `ESRCH` and `EPIDREUSED` both mean: the process we meant is gone. */
export interface KillError {
  readonly code: 'ESRCH' | 'EPERM' | 'EPIDREUSED' | 'EINVAL';
  readonly message: string;
}

/**
 * The processes seam of a `ProcessDriver`: one process at a time,
 * started, signalled, looked at and watched. Every pid it is given is
 * checked against the process meant (its start time), so a pid the OS has
 * handed to another process since is never signalled.
 */
export interface Processes {
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
  /** Starts watching a process this driver did not start, for a liveness poll; never signals it. */
  watch(target: ProcessIdentity): ProcessWatch;
  /**
   * Optional, for a seam whose processes keep time of their own (the fakes
   * of `rxdaemon/testing`): called with the scheduler a daemon's or a
   * manager's options resolved to, each time they are resolved, so the
   * seam's clock is the pipeline's. It throws a TypeError to refuse a
   * scheduler other than the one it already runs on. The OS's needs none:
   * it keeps its processes' time itself.
   */
  useScheduler?(scheduler: SchedulerLike): void;
}
