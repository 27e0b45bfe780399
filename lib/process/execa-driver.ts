import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { execa } from 'execa';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { AsyncSubject, defer, from, Observable } from 'rxjs';
import writeFileAtomic from 'write-file-atomic';
import type { ChildHandle, ExitStatus, KillError, KillTarget, ProcessDriver, ProcessProbe, SpawnFailure, SpawnSpec } from './driver.js';
import { readBootId, readProcStat } from './proc-stat.js';
import { closeStdio, openStdio, type NativeStdio } from './stdio-files.js';

const errnoOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | null)?.code;

const spawnFailure = (spec: SpawnSpec, error: unknown): SpawnFailure => {
  const code = errnoOf(error) ?? 'EUNKNOWN';
  // Built from the errno alone: execa's own message can quote the environment's
  // effect on the command line, and the token must never reach an event.
  const reason = error instanceof Error && errnoOf(error) === undefined ? `: ${error.message.split('\n')[0] ?? ''}` : '';
  return { code, message: `spawn ${spec.command} ${code}${reason}` };
};

// The supervisor's environment, without the variables the spec drops (an
// outer supervisor's id and token must not leak into this child), plus the
// spec's own.
const childEnv = (spec: SpawnSpec): Record<string, string | undefined> => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !spec.dropEnv.includes(name))),
  ...spec.env,
});

// execa hands any descriptor number straight to child_process ("native"
// stdio), but its types name only 3–9; a log file's descriptor can be any.
const asExecaStdio = (stdio: NativeStdio): 'ignore' | 'inherit' | 3 => stdio as 'ignore' | 'inherit' | 3;

/** A pid that can be handed to kill(2) without meaning "a group" or "everyone". */
const isSignallablePid = (pid: number, ownPid: number): boolean => Number.isSafeInteger(pid) && pid > 1 && pid !== ownPid;

/**
 * The default driver: execa 9 with the options a daemon needs. The child is
 * detached into its own session (setsid), so a Ctrl-C to the supervisor's
 * terminal does not reach it; no cleanup hook kills it when the supervisor
 * exits; nothing is buffered; stdio is a raw descriptor or nothing.
 */
export class ExecaDriver implements ProcessDriver {
  readonly ownPid = process.pid;
  /**
   * Children started here and not yet reaped. Node reaps a child and runs its
   * 'exit' listeners in the same callback, so a pid leaves this map before any
   * other code runs: a pid found here cannot have been reused.
   */
  private readonly live = new Map<number, ChildProcess>();
  private boot: string | null | undefined;

  spawn(spec: SpawnSpec): Observable<ChildHandle> {
    return new Observable<ChildHandle>((subscriber) => {
      let child: ChildProcess & PromiseLike<{ failed: boolean; code?: string; cause?: unknown }>;
      let stdio: NativeStdio[] = [];
      try {
        const [stdout, stderr] = (stdio = openStdio(spec.stdout, spec.stderr));
        child = execa(spec.command, [...spec.args], {
          cwd: spec.cwd,
          env: childEnv(spec),
          extendEnv: false,
          detached: true,
          cleanup: false,
          buffer: false,
          reject: false,
          stdin: 'ignore',
          stdout: asExecaStdio(stdout),
          stderr: asExecaStdio(stderr),
          forceKillAfterDelay: false,
          ...(spec.uid === undefined ? {} : { uid: spec.uid }),
          ...(spec.gid === undefined ? {} : { gid: spec.gid }),
        }) as never;
      } catch (error) {
        subscriber.error(spawnFailure(spec, error));
        return;
      } finally {
        // The child holds its own copies; ours would leak one descriptor per restart.
        closeStdio(stdio);
      }
      const pid = child.pid;
      if (pid === undefined) {
        // No process was created; the reason arrives asynchronously.
        const fail = (error: unknown): void => {
          subscriber.error(spawnFailure(spec, error));
        };
        child.then((result) => {
          fail(result.cause ?? result);
        }, fail);
        return;
      }
      subscriber.next(this.track(pid, child));
      subscriber.complete();
    });
  }

  private track(pid: number, child: ChildProcess & PromiseLike<unknown>): ChildHandle {
    const exit$ = new AsyncSubject<ExitStatus>();
    this.live.set(pid, child);
    // execa's promise would otherwise keep a reference to the result; nothing in it is needed.
    child.then(undefined, () => undefined);
    child.once('exit', (code, signal) => {
      this.live.delete(pid);
      exit$.next({ code, signal });
      exit$.complete();
    });
    return {
      pid,
      exit$: exit$.asObservable(),
      release: () => {
        child.unref();
      },
    };
  }

  kill(target: KillTarget, signal: NodeJS.Signals, group: boolean): Either<KillError, void> {
    const { pid } = target;
    if (!isSignallablePid(pid, this.ownPid)) return left({ code: 'EINVAL', message: `refusing to signal pid ${String(pid)}` });
    const own = this.live.has(pid);
    const stat = readProcStat(pid);
    if (!own) {
      // Not our unreaped child: the pid may belong to someone else by now.
      if (stat === undefined && target.startTime !== null) return left({ code: 'ESRCH', message: `process ${pid} is gone` });
      if (stat !== undefined && (stat.state === 'Z' || stat.state === 'X')) return left({ code: 'ESRCH', message: `process ${pid} is gone` });
      if (stat !== undefined && target.startTime !== null && stat.startTime !== target.startTime) {
        return left({ code: 'EPIDREUSED', message: `pid ${pid} now belongs to another process` });
      }
    }
    // Signal the group only while the process still leads it; a child that
    // left its group must not take the group it left with it. Without /proc,
    // a child of ours still leads the group it was started in.
    const leads = stat === undefined ? own : stat.pgrp === pid;
    try {
      process.kill(group && leads ? -pid : pid, signal);
      return right(undefined);
    } catch (error) {
      const code = errnoOf(error) === 'EPERM' ? 'EPERM' : 'ESRCH';
      return left({ code, message: `kill ${signal} ${pid}: ${code}` });
    }
  }

  probe(pid: number): ProcessProbe {
    if (!isSignallablePid(pid, this.ownPid)) return { state: 'dead', startTime: null };
    const stat = readProcStat(pid);
    if (stat !== undefined && (stat.state === 'Z' || stat.state === 'X')) return { state: 'dead', startTime: stat.startTime };
    try {
      // Signal 0 delivers nothing: it only asks whether the pid exists and may be signalled.
      process.kill(pid, 0);
      return { state: 'alive', startTime: stat?.startTime ?? null };
    } catch (error) {
      return { state: errnoOf(error) === 'EPERM' ? 'foreign' : 'dead', startTime: stat?.startTime ?? null };
    }
  }

  bootId(): string | null {
    this.boot ??= readBootId();
    return this.boot;
  }

  writeFile(path: string, data: string, mode = 0o600): Observable<void> {
    return defer(() => from(writeFileAtomic(path, data, { mode })));
  }

  removeFile(path: string): Observable<void> {
    return defer(() => from(rm(path, { force: true })));
  }
}

let shared: ExecaDriver | undefined;

/** The process-wide execa driver: one table of live children for all daemons. */
export const execaDriver = (): ExecaDriver => (shared ??= new ExecaDriver());

