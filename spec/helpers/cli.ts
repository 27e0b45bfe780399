import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { DaemonEvent } from '../../lib/events.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { sandboxPerTest, waitFor, type Sandbox, type SandboxOptions } from './real-processes.js';

export const MAIN = fileURLToPath(new URL('../../lib/cli/main.ts', import.meta.url));
// An absolute path: the CLI runs in a temp dir, where `--import tsx` would not resolve.
const TSX = createRequire(import.meta.url).resolve('tsx/esm');

/** A running `rxdaemon` command line, with what it printed so far. */
export interface Cli {
  readonly process: ChildProcess;
  readonly pid: number;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** The `--json` events printed so far. */
  events(): ManagerEvent[];
  /** Waits for an event printed with `--json`. */
  event(what: string, match: (event: ManagerEvent) => boolean, deadlineMs?: number): Promise<ManagerEvent>;
}

/** The node arguments that run `rxdaemon ARGS…` from the TypeScript sources. */
export const cliArgv = (args: readonly string[]): string[] => ['--import', TSX, MAIN, ...args];

/** Starts `rxdaemon ARGS…` from the TypeScript sources, in `cwd`. */
export const cli = (args: readonly string[], cwd: string): Cli => nodeProgram(cliArgv(args), cwd);

/** Starts `node ARGV…` in `cwd`, a program that prints `--json` events as the CLI does; as another user, or with more variables, when `options` say so. */
export const nodeProgram = (argv: readonly string[], cwd: string, options: Pick<SpawnOptions, 'uid' | 'gid' | 'env'> = {}): Cli => {
  const child = spawn(process.execPath, argv, { ...options, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Cli = {
    process: child,
    pid: child.pid ?? -1,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => { resolve(code); })),
    events: () =>
      run.stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as ManagerEvent),
    event: async (what, match, deadlineMs = 10_000) => {
      await waitFor(() => `${what} (stderr: ${run.stderr.slice(-300)})`, () => run.events().some(match), deadlineMs);
      const found = run.events().find(match);
      if (found === undefined) throw new Error(`lost ${what}`);
      return found;
    },
  };
  child.stdout.on('data', (chunk: Buffer) => {
    run.stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    run.stderr += chunk.toString();
  });
  return run;
};

/** Runs `rxdaemon ARGS…` to its end. */
export const cliToEnd = async (args: readonly string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> => {
  const run = cli(args, cwd);
  const code = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
};

/** SIGKILLs a program unless it has ended, and waits for its exit. */
export const killed = async (run: Cli): Promise<void> => {
  if (run.process.exitCode === null && run.process.signalCode === null) run.process.kill('SIGKILL');
  await run.exited;
};

/** The programs a spec file's tests run, each in a sandbox of its test. */
export interface CliRuns {
  /** The sandbox of the test that runs now. */
  readonly sandbox: () => Sandbox;
  /** Makes a started program the test's: its pid the sandbox's, and SIGKILLed (unless it ended) and awaited after the test. */
  readonly own: (run: Cli) => Cli;
  /** Starts `rxdaemon ARGS…` from the TypeScript sources in the sandbox's dir, owned. */
  readonly start: (...args: string[]) => Cli;
  /** The events a `--json` run printed, as daemon events; every pid among them is the sandbox's to clean up. */
  readonly eventsOf: (run: Cli) => DaemonEvent[];
  /** Waits for a `--json` run's `started` (of `id`, when given); the pid, the sandbox's to clean up. */
  readonly started: (run: Cli, id?: string) => Promise<number>;
}

/** A {@link sandboxPerTest} for a spec file whose tests run `rxdaemon`: what they start is ended after each. */
export const cliRuns = (options: SandboxOptions = {}): CliRuns => {
  const sandbox = sandboxPerTest(options);
  const own = (run: Cli): Cli => {
    sandbox().own(run.pid);
    sandbox().defer(() => killed(run));
    return run;
  };
  return {
    sandbox,
    own,
    start: (...args) => own(cli(args, sandbox().dir)),
    eventsOf: (run) =>
      run.events().map((event) => {
        if ('pid' in event && typeof event.pid === 'number') sandbox().own(event.pid);
        return event as DaemonEvent;
      }),
    started: async (run, id) => {
      const event = await run.event(`${id ?? 'the daemon'} started`, (e) => e.type === 'started' && (id === undefined || e.id === id));
      return sandbox().own(event.type === 'started' ? event.pid : -1);
    },
  };
};

/** Ends a run as Ctrl-C does (SIGINT), and expects it to exit 0. */
export const interrupt = async (run: Cli): Promise<void> => {
  run.process.kill('SIGINT');
  expect(await run.exited).toBe(0);
};
