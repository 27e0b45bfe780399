import type { Observable } from 'rxjs';
import type { ResolvedOptions } from '../options.js';
import type { ChildHandle, ExitStatus, OutputStart } from '../process/processes.js';
import type { Stdio } from '../process/spawn-spec.js';
import type { ProcessIdentity } from '../process/identity.js';
import type { Adoptee } from '../snapshot/adoptee.js';
import { pollUntilGone } from './liveness-poll.js';

/**
 * The live process of a run, whether this supervisor started it or adopted
 * it: what watching and stopping it need. A child of ours has a null start
 * time: it cannot be reused before we reap it, and reading it would cost
 * every restart a /proc read.
 */
export interface LiveProcess extends ProcessIdentity {
  readonly adopted: boolean;
  /** Where the run's output begins in its output files; unknown for an adopted process whose record does not say. */
  readonly outputStart?: OutputStart;
  /** Emits once when the process is gone. An adopted process is polled every `pollMs`. */
  exit(pollMs: number): Observable<ExitStatus>;
  /** Stops holding the process; it keeps running. */
  release(): void;
}

/** A child this supervisor spawned: its exit is an event, not a poll. */
export const spawnedProcess = (handle: ChildHandle): LiveProcess => ({
  pid: handle.pid,
  ...(handle.outputStart === undefined ? {} : { outputStart: handle.outputStart }),
  startTime: null,
  adopted: false,
  exit: () => handle.exit$,
  release: () => {
    handle.release();
  },
});

/**
 * Where an adopted run's output begins: the offsets its record kept, and
 * the rotations counted from now on (a count is this supervisor's own, so
 * a rotation by an earlier one only shows as a file shorter than its
 * offset, which is read from its start).
 */
const adoptedOutputStart = ({ outputStart }: Adoptee, { stdout, stderr, driver }: ResolvedOptions): OutputStart | undefined => {
  if (outputStart === undefined) return undefined;
  const rotationsOf = (target: Stdio, offset: number | undefined): number | undefined =>
    offset === undefined || typeof target !== 'object' ? undefined : driver.files.output.look(target.file)?.rotations;
  const stdoutRotations = rotationsOf(stdout, outputStart.stdout);
  const stderrRotations = rotationsOf(stderr, outputStart.stderr);
  return {
    ...outputStart,
    ...(stdoutRotations === undefined ? {} : { stdoutRotations }),
    ...(stderrRotations === undefined ? {} : { stderrRotations }),
  };
};

/** A process this supervisor did not start: only polling can tell when it is gone. */
export const adoptedProcess = (adoptee: Adoptee, options: ResolvedOptions): LiveProcess => {
  const { driver, scheduler } = options;
  const identity: ProcessIdentity = { pid: adoptee.pid, startTime: adoptee.startTime };
  const outputStart = adoptedOutputStart(adoptee, options);
  return {
    ...identity,
    ...(outputStart === undefined ? {} : { outputStart }),
    adopted: true,
    exit: (pollMs) => pollUntilGone(driver.processes, identity, pollMs, scheduler),
    release: () => undefined,
  };
};
