import type { ChildProcess } from 'node:child_process';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { AsyncSubject, defer, Observable, of } from 'rxjs';
import type { ChildHandle, ExitStatus, KillError, Marked, OutputStart, ProcessDriver, ProcessProbe, ProcessWatch, Spawned, SpawnSpec } from './driver.js';
import type { ProcessIdentity } from './identity.js';
import { isSignallablePid } from './pid.js';
import { endGroup, groupRemains } from './signal.js';
import { findByEnvironment } from './environ-scan.js';
import { executablesOf, programLookupOf } from './program.js';
import type { SpawnIntent } from './spawn-intent.js';
import { findSpawnedProcesses } from './spawned-scan.js';
import { readUptimeTicks, startedAtOnClock } from './uptime.js';
import { hasExited, lookUpProcStat, readBootId, type ProcStat } from './proc-stat.js';
import { loadExecaLaunch, nodeLaunch, type Launch, type Launched } from './launch.js';
import { removeFileSafe } from '../fs/remove-file.js';
import { writeFileSafe } from '../fs/write-file.js';
import { spawnFailure } from './spawn-failure.js';
import { closeStdio, openStdio, outputStartOf, type NativeStdio } from './stdio-files.js';
import { watchProcess } from './watch-process.js';
import { fileSystem } from '../fs/file-source.js';
import { rotateLog, rotationsOf, type RotateOutcome } from '../fs/rotate.js';
import { processHeadroom, type Headroom } from './limits.js';
import { errnoOf } from '../errno.js';
import type { Signal } from '../signal-name.js';


// Why a process that is not our unreaped child must not be signalled as
// `target`: gone, someone else's, unseen, or another process by now.
const refusal = (target: ProcessIdentity, seen: ProcessProbe | undefined, stat: ProcStat | undefined): KillError | undefined => {
  const { pid } = target;
  if (stat !== undefined && hasExited(stat)) return { code: 'ESRCH', message: `process ${pid} is gone` };
  // Recorded without a start time, the pid alone is its identity: kill(2) will tell.
  if (seen === undefined) return undefined;
  switch (seen.state) {
    case 'dead':
      return { code: 'ESRCH', message: `process ${pid} is gone` };
    case 'foreign':
      return { code: 'EPERM', message: `process ${pid} belongs to another user` };
    case 'hidden':
      return { code: 'EPERM', message: `not signalling pid ${pid}: /proc does not show it, so its start time cannot be checked` };
    case 'alive':
      return seen.startTime === target.startTime ? undefined : { code: 'EPIDREUSED', message: `pid ${pid} now belongs to another process` };
  }
};

/** How many times the output files had been rotated when a run began: its crash report follows the rotations since. */
const rotationsAtStart = ({ stdout, stderr }: SpawnSpec): OutputStart => ({
  ...(typeof stdout === 'object' ? { stdoutRotations: rotationsOf(stdout.file) } : {}),
  ...(typeof stderr === 'object' ? { stderrRotations: rotationsOf(stderr.file) } : {}),
});

/**
 * The driver of real processes. How a process is created is its `launch`
 * ({@link nodeLaunch} by default, or execa's: see {@link execaDriver});
 * everything after (its exit, signals, liveness, files) is the same for both.
 *
 * @internal
 */
export class ChildProcessDriver implements ProcessDriver {
  readonly ownPid = process.pid;
  /**
   * Children started here and not yet reaped. Node reaps a child and runs its
   * 'exit' listeners in the same callback, so a pid leaves this map before any
   * other code runs: a pid found here cannot have been reused.
   */
  private readonly live = new Map<number, ChildProcess>();
  private boot: string | null | undefined;

  constructor(private readonly launch: Launch = nodeLaunch) {}

  spawn(spec: SpawnSpec): Observable<ChildHandle> {
    return new Observable<ChildHandle>((subscriber) => {
      let launched: Launched;
      let stdio: NativeStdio[] = [];
      let outputStart: OutputStart;
      try {
        const [stdout, stderr] = (stdio = openStdio(spec.stdout, spec.stderr));
        outputStart = { ...outputStartOf(stdio), ...rotationsAtStart(spec) };
        launched = this.launch(spec, stdout, stderr);
      } catch (error) {
        subscriber.error(spawnFailure(spec, error));
        return;
      } finally {
        // The child holds its own copies; ours would leak one descriptor per restart.
        closeStdio(stdio);
      }
      const { child, failure } = launched;
      const pid = child.pid;
      if (pid === undefined) {
        // No process was created; the reason arrives asynchronously.
        void failure.then((error) => {
          subscriber.error(spawnFailure(spec, error));
        });
        return;
      }
      subscriber.next(this.track(pid, child, outputStart));
      subscriber.complete();
    });
  }

  private track(pid: number, child: ChildProcess, outputStart: OutputStart): ChildHandle {
    const exit$ = new AsyncSubject<ExitStatus>();
    this.live.set(pid, child);
    child.once('exit', (code, signal) => {
      this.live.delete(pid);
      exit$.next({ code, signal });
      exit$.complete();
    });
    return {
      pid,
      outputStart,
      exit$: exit$.asObservable(),
      release: () => {
        child.unref();
      },
    };
  }

  kill(target: ProcessIdentity, signal: Signal, group: boolean): Either<KillError, void> {
    const { pid } = target;
    if (!isSignallablePid(pid, this.ownPid)) return left({ code: 'EINVAL', message: `refusing to signal pid ${String(pid)}` });
    // Our unreaped child needs no look at /proc (a stop of 10,000 paid one each): its pid cannot have been
    // reused, and, started in a session of its own (launch.ts), it leads its group for good: a session leader
    // can neither setpgid() nor setsid().
    const leads = this.live.has(pid) ? right(true) : this.othersGroupLead(target);
    if (isLeft(leads)) return leads;
    try {
      process.kill(group && leads.right ? -pid : pid, signal);
      return right(undefined);
    } catch (error) {
      const code = errnoOf(error) === 'EPERM' ? 'EPERM' : 'ESRCH';
      return left({ code, message: `kill ${signal} ${pid}: ${code}` });
    }
  }

  /**
   * Whether a process that is not our unreaped child leads its group, or why
   * it must not be signalled: the pid may belong to someone else by now, and
   * only its start time tells; one we cannot see is neither gone nor to be
   * signalled blindly. A process that left its group must not take the
   * group it left with it.
   */
  private othersGroupLead(target: ProcessIdentity): Either<KillError, boolean> {
    const { seen, stat } = this.look(target.pid, target.startTime !== null);
    const refused = refusal(target, seen, stat);
    return refused === undefined ? right(stat?.pgrp === target.pid) : left(refused);
  }

  endGroup(leader: ProcessIdentity): boolean {
    return endGroup(leader);
  }

  groupRemains(pgid: number): boolean {
    return groupRemains(pgid);
  }

  findMarked(name: string, value: string, alsoRead: string): Marked[] {
    return findByEnvironment(name, value, alsoRead, this.ownPid);
  }

  spawnIntent(spec: Pick<SpawnSpec, 'command' | 'cwd' | 'env' | 'dropEnv'>): SpawnIntent | null {
    const at = readUptimeTicks();
    // The child inherits this process's cwd and environment: its lookup is resolved against them.
    return at === null ? null : { ...programLookupOf(spec, { cwd: process.cwd(), env: process.env }), at, boot: this.bootId() };
  }

  findSpawned(intents: readonly SpawnIntent[], within: number, unlessMarked: string): Spawned[][] {
    const queries = intents.map((intent) => ({ after: intent.at, within, executables: executablesOf(intent) }));
    return findSpawnedProcesses(queries, unlessMarked, this.ownPid);
  }

  probe(pid: number): ProcessProbe {
    if (!isSignallablePid(pid, this.ownPid)) return { state: 'dead', startTime: null };
    return this.look(pid, true).seen ?? { state: 'dead', startTime: null };
  }

  startedAt(target: ProcessIdentity, now: number): number | null {
    const nowTicks = target.startTime === null ? null : readUptimeTicks();
    // Both count boot time truncated to the tick: a start time never passes the uptime read after it.
    return nowTicks === null ? null : startedAtOnClock({ startTicks: Number(target.startTime), nowTicks, now });
  }

  /**
   * The process's stat, and, when `probing`, what it is: /proc first, then
   * kill(pid, 0), which settles whether it exists (ESRCH) and is ours to
   * signal (EPERM) whatever /proc did or did not show.
   */
  private look(pid: number, probing: boolean): { seen: ProcessProbe | undefined; stat: ProcStat | undefined } {
    const look = lookUpProcStat(pid);
    const stat = look.kind === 'found' ? look.stat : undefined;
    if (!probing) return { seen: undefined, stat };
    const startTime = stat?.startTime ?? null;
    if (stat !== undefined && hasExited(stat)) return { seen: { state: 'dead', startTime }, stat };
    try {
      // Signal 0 delivers nothing: it only asks whether the pid exists and may be signalled.
      process.kill(pid, 0);
    } catch (error) {
      return { seen: { state: errnoOf(error) === 'EPERM' ? 'foreign' : 'dead', startTime }, stat };
    }
    // It exists and is ours to signal; without its stat it is not known to be the one meant.
    return { seen: { state: stat === undefined ? 'hidden' : 'alive', startTime }, stat };
  }

  watch(target: ProcessIdentity): ProcessWatch {
    return watchProcess(target, this.ownPid, (pid) => this.probe(pid));
  }

  bootId(): string | null {
    this.boot ??= readBootId();
    return this.boot;
  }

  writeFile(path: string, data: string, mode = 0o600): Observable<void> {
    return defer(() => {
      // Pid files: rewritten at every spawn, not worth an fsync each (see writeFileSafe).
      writeFileSafe(path, data, mode, false);
      return of(undefined);
    });
  }

  readonly output = fileSystem;

  headroom(wanted: number): Headroom | undefined {
    return processHeadroom(wanted);
  }

  rotate(path: string, maxBytes: number, backups: number): Observable<RotateOutcome> {
    return defer(() => rotateLog(path, maxBytes, backups));
  }

  removeFile(path: string): Observable<void> {
    return defer(() => {
      removeFileSafe(path);
      return of(undefined);
    });
  }
}

let node: ProcessDriver | undefined;
let viaExeca: Promise<ProcessDriver> | undefined;

/** The default driver, process-wide (one table of live children for all daemons): node's child_process. */
export const defaultDriver = (): ProcessDriver => (node ??= new ChildProcessDriver(nodeLaunch));

/**
 * The same driver launching through execa 9, for those who want execa's
 * handling of commands; it costs more per restart. It resolves once execa is
 * loaded (on the first call: rxdaemon does not load it otherwise), so that
 * its `spawn` starts a process synchronously, as every driver's does.
 *
 * @example
 * const daemon = new Daemon({ command: 'envoy' }, { driver: await execaDriver() });
 */
export const execaDriver = (): Promise<ProcessDriver> => (viaExeca ??= loadExecaLaunch().then((launch) => new ChildProcessDriver(launch)));
