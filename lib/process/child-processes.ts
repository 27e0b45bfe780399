import type { ChildProcess } from 'node:child_process';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { AsyncSubject, Observable } from 'rxjs';
import { errnoOf } from '../errno.js';
import { rotationsOf } from '../fs/rotate.js';
import type { ProcessIdentity } from './identity.js';
import { nodeLaunch, type Launch, type Launched } from './launch.js';
import { isSignallablePid } from './pid.js';
import { hasExited, lookUpProcStat, type ProcStat } from './proc-stat.js';
import type { ChildHandle, ExitStatus, KillError, OutputStart, Processes, ProcessProbe, ProcessWatch } from './processes.js';
import { endGroup, groupRemains } from './signal.js';
import { programFailure, spawnFailure } from './spawn-failure.js';
import { joinedCommand, openCgroupProcs } from './cgroup/join.js';
import type { SpawnSpec } from './spawn-spec.js';
import { closeStdio, openStdio, outputStartOf, type NativeStdio } from './stdio-files.js';
import { watchProcess } from './watch-process.js';
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
 * The OS's {@link Processes}: children of this process, started by its
 * `launch` ({@link nodeLaunch} by default, or execa's: see `execaDriver`);
 * everything after (their exit, signals, liveness) is the same for both.
 */
export class ChildProcesses implements Processes {
  readonly ownPid = process.pid;
  /**
   * Children started here and not yet reaped. Node reaps a child and runs its
   * 'exit' listeners in the same callback, so a pid leaves this map before any
   * other code runs: a pid found here cannot have been reused.
   */
  private readonly live = new Map<number, ChildProcess>();
  /** Specs whose program was found where exec looks (see `spawn`). */
  private readonly found = new WeakSet<SpawnSpec>();

  constructor(private readonly launch: Launch = nodeLaunch) {}

  spawn(spec: SpawnSpec): Observable<ChildHandle> {
    return new Observable<ChildHandle>((subscriber) => {
      // Through the join's shell a missing program is an exit (127), not a failed spawn: looked for first, until
      // it is found once for this spec (a daemon's, for its life): a restart loop pays no stat and no read for it.
      const missing = spec.cgroup === undefined || this.found.has(spec) ? undefined : programFailure(spec);
      if (missing !== undefined) {
        subscriber.error(missing);
        return;
      }
      if (spec.cgroup !== undefined) this.found.add(spec);
      const join = spec.cgroup === undefined ? right(undefined) : openCgroupProcs(spec.cgroup);
      if (isLeft(join)) {
        const { code, message } = join.left;
        subscriber.error({ code, message: `spawn ${spec.command}: cannot join its cgroup: ${message} (${code})` });
        return;
      }
      const fd = join.right;
      let launched: Launched;
      let stdio: NativeStdio[] = [];
      let outputStart: OutputStart;
      try {
        const [stdout, stderr] = (stdio = openStdio(spec.stdout, spec.stderr));
        outputStart = { ...outputStartOf(stdio), ...rotationsAtStart(spec) };
        launched = this.launch(fd === undefined ? spec : { ...spec, ...joinedCommand(spec.command, spec.args) }, stdout, stderr, fd);
      } catch (error) {
        subscriber.error(spawnFailure(spec, error));
        return;
      } finally {
        // The child holds its own copies; ours would leak one descriptor per restart.
        closeStdio(fd === undefined ? stdio : [...stdio, fd]);
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

  probe(pid: number): ProcessProbe {
    if (!isSignallablePid(pid, this.ownPid)) return { state: 'dead', startTime: null };
    return this.look(pid, true).seen ?? { state: 'dead', startTime: null };
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
}
