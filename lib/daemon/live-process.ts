import { catchError, filter, map, merge, NEVER, ReplaySubject, share, take, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import type { ResolvedOptions } from '../options.js';
import type { ChildHandle, ExitStatus, OutputStart } from '../process/processes.js';
import type { Stdio } from '../process/spawn-spec.js';
import type { ProcessIdentity } from '../process/identity.js';
import type { Adoptee } from '../snapshot/adoptee.js';
import { pollWatched, processWatch$ } from './liveness-poll.js';

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
  /** The cgroup it runs in (Containment): whatever is left there when it exits is ended, and only then has the run ended. */
  readonly cgroup?: string;
  /** Emits once when the process is gone. An adopted process is polled every `pollMs`. */
  exit(pollMs: number): Observable<ExitStatus>;
  /** Stops holding the process; it keeps running. */
  release(): void;
}

/** A child this supervisor spawned (into `cgroup`, under containment): its exit is an event, not a poll. */
export const spawnedProcess = (handle: ChildHandle, cgroup: string | undefined): LiveProcess => ({
  pid: handle.pid,
  ...(handle.outputStart === undefined ? {} : { outputStart: handle.outputStart }),
  ...(cgroup === undefined ? {} : { cgroup }),
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

/**
 * Under containment the PID poll only has to catch a leader that dies while
 * its children live on (cgroup.events says nothing then): it runs at a
 * sixtieth of its rate (once a minute by default), and, while a stop waits
 * for the leader, once a second rather than every 10 ms. A look costs about
 * 7 µs on a shared 2-core VM (10,000 adopted polled at 1 Hz: 6.8 % of a
 * core): at a tenth, 10,000 adopted daemons would idle at 0.7 % of a core,
 * at a thirtieth 0.23 %, over P9's 0.2 %; at a sixtieth 0.11 %. Profiled,
 * nothing else of theirs wakes while idle.
 */
const CONTAINED_POLL_FACTOR = 60;
const CONTAINED_MIN_POLL_MS = 1_000;

/**
 * A process this supervisor did not start. Outside a cgroup only polling
 * can tell when it is gone. In its service's cgroup, the cgroup's emptying
 * tells it at once (cgroup.events, through inotify), and a much slower
 * poll catches a leader that dies before the rest. A process that is not in
 * the cgroup (started by 0.2, or under process groups) is polled as before:
 * the cgroup's emptiness says nothing of it.
 */
export const adoptedProcess = (adoptee: Adoptee, options: ResolvedOptions): LiveProcess => {
  const { driver, scheduler, cgroup } = options;
  const identity: ProcessIdentity = { pid: adoptee.pid, startTime: adoptee.startTime };
  const outputStart = adoptedOutputStart(adoptee, options);
  const contained = cgroup !== undefined && driver.cgroups.holds(cgroup, adoptee.pid) ? cgroup : undefined;
  // One look at the process and one watch of its cgroup's events for the run, whatever the period it is polled at:
  // a stop takes over from the watch without opening anything anew (10,000 adopted daemons stopped at once each paid
  // a descriptor and an inotify watch closed and opened again).
  const watch$ = processWatch$(driver.processes, identity).pipe(handedOver());
  const emptied = contained === undefined ? undefined : emptied$(options, contained).pipe(handedOver());
  const polled = (periodMs: number): Observable<ExitStatus> => pollWatched(watch$, periodMs, scheduler);
  return {
    ...identity,
    ...(outputStart === undefined ? {} : { outputStart }),
    ...(contained === undefined ? {} : { cgroup: contained }),
    adopted: true,
    exit: (pollMs) =>
      emptied === undefined ? polled(pollMs) : merge(polled(Math.max(pollMs * CONTAINED_POLL_FACTOR, CONTAINED_MIN_POLL_MS)), emptied).pipe(take(1)),
    release: () => undefined,
  };
};

/**
 * Shares a watch (of the process, of its cgroup's emptying) between the
 * run's watch and the stop that takes over from it (watch.ts subscribes
 * the stop before it lets go), the last value replayed to the stop.
 */
const handedOver = <T>(): MonoTypeOperatorFunction<T> => share<T>({ connector: () => new ReplaySubject<T>(1) });

/**
 * An adopted process's end as its cgroup's emptying told it: unknown, as
 * `UNKNOWN_EXIT`, but nothing is left of the service, so its end
 * needs no look at the cgroup (a stop of 10,000 paid a read each).
 */
export const EMPTIED_EXIT: ExitStatus = { code: null, signal: null };

/** Emits {@link EMPTIED_EXIT} once, when cgroup `dir` holds no process; never, where its events cannot be watched (the poll then tells). */
const emptied$ = ({ driver, logger }: ResolvedOptions, dir: string): Observable<ExitStatus> =>
  driver.cgroups.populated$(dir).pipe(
    filter((populated) => !populated),
    map(() => EMPTIED_EXIT),
    catchError((error: unknown) => {
      logger.debug(`rxdaemon: ${dir}'s cgroup.events cannot be watched, so the poll alone tells its end: ${String(error)}`);
      return NEVER;
    }),
  );
