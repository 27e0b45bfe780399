import type { Observable, SchedulerLike } from 'rxjs';
import type { FileSource } from '../fs/file-source.js';

/** What a check looks at: the process, its id, its output files (their paths, where this run began in them, how to read them), and the scheduler every check runs on. */
export interface CheckTarget {
  readonly pid: number;
  readonly id?: string;
  /** The path of its stdout file, when its stdout is one. */
  readonly stdout?: string;
  /** The path of its stderr file, when its stderr is one. */
  readonly stderr?: string;
  /** Where this run's output begins in its stdout file: the file's size when the process was spawned. Unknown for an adopted process. */
  readonly stdoutStart?: number;
  /** The same for its stderr file. */
  readonly stderrStart?: number;
  /** How many times its stdout file had been rotated then (`FileLook.rotations`): a rotation since is followed into `.1`. */
  readonly stdoutRotations?: number;
  /** The same for its stderr file. */
  readonly stderrRotations?: number;
  /** How its output files are read: the driver's `files.output` (a FakeDriver's files in memory); the file system when not given. */
  readonly output?: FileSource;
  readonly scheduler: SchedulerLike;
}

/**
 * One attempt at telling whether a daemon works: a value or a completion
 * passes, an error fails (its message goes into the event). An attempt
 * that outlives its timeout fails, and is unsubscribed (or, for a promise,
 * no longer waited for).
 *
 * @example
 * const answers: Check = ({ pid }) => fetch(`http://127.0.0.1:8080/healthz`).then((r) => { if (!r.ok) throw new Error(`${r.status}`); });
 */
export type Check = (target: CheckTarget) => Observable<unknown> | PromiseLike<unknown>;

/** When a daemon counts as ready: `check` passes, tried at once and every `intervalMs`, within `timeoutMs` of its start. */
export interface ReadyOptions {
  readonly check: Check;
  /** Default 100 ms. */
  readonly intervalMs?: number;
  /** Default 60 000 ms; past it, `not-ready`, and the run fails. */
  readonly timeoutMs?: number;
  /** One attempt that takes longer fails, and the next is tried: a server that accepts a connection but stays silent while it starts does not hold every later attempt up. Default 5 000 ms. */
  readonly attemptTimeoutMs?: number;
}

/** Whether a ready daemon still works: `check`, every `intervalMs`; `failures` failed attempts in a row make it `unhealthy`. */
export interface HealthOptions {
  readonly check: Check;
  /** Default 10 000 ms. */
  readonly intervalMs?: number;
  /** An attempt that takes longer fails. Default 5 000 ms. */
  readonly timeoutMs?: number;
  /** Default 3. */
  readonly failures?: number;
}
