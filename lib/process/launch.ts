import type { ChildProcess } from 'node:child_process';
import type { SpawnSpec } from './spawn-spec.js';
import type { NativeStdio } from './stdio-files.js';

/** A child as a launcher returns it: the process, and the reason it was not created (awaited only when it has no pid). */
export interface Launched {
  readonly child: ChildProcess;
  readonly failure: Promise<unknown>;
}

/**
 * Starts one process for a daemon: detached into its own session (setsid),
 * so a Ctrl-C to the supervisor's terminal does not reach it; stdin closed;
 * stdout and stderr a raw descriptor, 'ignore' or 'inherit', never a pipe;
 * under containment, the descriptor of its cgroup's cgroup.procs as its
 * descriptor 3, which the join's shell writes and closes (cgroup/join.ts).
 * It may throw (bad arguments); it never kills the child.
 */
export type Launch = (spec: SpawnSpec, stdout: NativeStdio, stderr: NativeStdio, join?: number) => Launched;

// `env` with the spec's variables set on it, and those it drops (an outer
// supervisor's id and token must not leak into this child) set to
// undefined, which child_process leaves out.
const withSpecEnv = (spec: SpawnSpec, env: Record<string, string | undefined>): Record<string, string | undefined> => {
  Object.assign(env, spec.env);
  for (const name of spec.dropEnv) if (!Object.hasOwn(spec.env, name)) env[name] = undefined;
  return env;
};

// The supervisor's environment as the prototype of the child's, not copied:
// child_process reads inherited variables too (node's
// test-child-process-env.js holds it to that), so process.env is read once
// a spawn, by node, as when no env is given. A copy read it twice: about
// 25 µs a spawn with 35 variables.
const childEnv = (spec: SpawnSpec): Record<string, string | undefined> => withSpecEnv(spec, Object.create(process.env) as Record<string, string | undefined>);

const identity = (spec: SpawnSpec) => ({
  ...(spec.uid === undefined ? {} : { uid: spec.uid }),
  ...(spec.gid === undefined ? {} : { gid: spec.gid }),
});

/**
 * The default: node's own child_process.spawn, which is all a daemon needs.
 * Measured against execa, it halves a restart's overhead over a bare spawn
 * and holds about 2 KB per running child instead of about 47 KB (see the
 * bench in the README).
 */
export const nodeLaunch: Launch = (spec, stdout, stderr, join) => {
  // Loaded by the first spawn, not by import('rxdaemon') (P7: cold start).
  const child = process.getBuiltinModule('node:child_process').spawn(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: childEnv(spec),
    detached: true,
    stdio: join === undefined ? ['ignore', stdout, stderr] : ['ignore', stdout, stderr, join],
    windowsHide: true,
    ...identity(spec),
  });
  // Always listened to: an 'error' nobody listens to would crash the supervisor.
  const failure = new Promise<unknown>((resolve) => child.on('error', resolve));
  return { child, failure };
};

// execa hands any descriptor number straight to child_process ("native"
// stdio), but its types name only 3–9; a log file's descriptor can be any.
const asExecaStdio = (stdio: NativeStdio): 'ignore' | 'inherit' | 3 => stdio as 'ignore' | 'inherit' | 3;

/**
 * execa 9, with no cleanup hook (the daemon must outlive the supervisor), no
 * buffering and no forced kill of its own. execa is loaded here, on first
 * use, not with rxdaemon: it and its dependencies are some 140 modules that
 * only this launcher needs.
 */
export const loadExecaLaunch = async (): Promise<Launch> => {
  const { execa } = await import('execa');
  return (spec, stdout, stderr, join) => {
    const child = execa(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: withSpecEnv(spec, {}),
      extendEnv: true,
      detached: true,
      cleanup: false,
      buffer: false,
      reject: false,
      stdio: ['ignore', asExecaStdio(stdout), asExecaStdio(stderr), ...(join === undefined ? [] : [asExecaStdio(join)])],
      forceKillAfterDelay: false,
      ...identity(spec),
    });
    // With reject: false the promise always resolves; a failed spawn's result carries the cause.
    const failure = child.then((result) => (result.failed ? (result.cause ?? result) : undefined));
    return { child, failure };
  };
};
