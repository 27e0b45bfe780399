import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { silentLogger, type Logger } from './logger.js';
import { consulBackoff } from './policy/consul-backoff.js';
import { noRestart } from './policy/no-restart.js';
import { restartOn } from './policy/restart-on.js';
import type { Check, HealthOptions, ReadyOptions } from './checks/check.js';
import type { RestartPolicy } from './policy/restart-policy.js';
import type { ProcessDriver, Stdio } from './process/driver.js';
import { defaultDriver } from './process/child-process-driver.js';
import { check, checkDuration, checkFunction, checkNonEmptyString, checkNonNegativeInteger, checkPositiveDuration, checkPositiveInteger, checkSignal } from './validate.js';
import type { Signal } from './signal-name.js';

/** How a daemon is run and supervised. Every field is optional. */
export interface DaemonOptions {
  /** Written atomically with the pid after every spawn; removed on stop, kept on close. */
  readonly pidFile?: string;
  /** How long stop waits after the stop signal before SIGKILL. Default 5000 ms. */
  readonly gracefulStopMs?: number;
  /** The signal that asks the process to stop. Default `SIGINT`; nginx wants `SIGQUIT`, many daemons `SIGTERM`. */
  readonly stopSignal?: Signal;
  /** Default {@link consulBackoff}() (for a `oneshot`, {@link noRestart}). */
  readonly restart?: RestartPolicy;
  /**
   * A task that runs to completion (a migration, a cache warm-up): never
   * `ready` (so never `stable`), and not restarted unless `restart` says so,
   * and then only on failure (exit 0 completes it, as `on-failure` has it).
   * A `ready` or `health` option with it is a TypeError: it is never ready.
   * Default false.
   */
  readonly oneshot?: boolean;
  /** When the process counts as ready; without it, ready as soon as it runs. */
  readonly ready?: ReadyOptions;
  /** Whether a ready process still works; without it, none is checked. */
  readonly health?: HealthOptions;
  /** How many lines of its output an `exited` event carries (its `tail`). Default 20. */
  readonly tailLines?: number;
  /** Rotate a `{ file }` output past this many bytes (checked at least once a second): copied to `.1`, then truncated in place. Default: never. */
  readonly maxLogBytes?: number;
  /** How many rotated copies are kept (`.1` … `.n`). Default 3. */
  readonly logBackups?: number;
  /** Liveness poll of an adopted process. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Signal the whole process group while the process leads it. Default true. */
  readonly killProcessGroup?: boolean;
  /** `'ignore'` (default), `'inherit'`, or `{ file }` (opened for append, 0600, never through a symlink); never a pipe. */
  readonly stdout?: Stdio;
  /** Like `stdout`. */
  readonly stderr?: Stdio;
  /** Names of the variables that carry the id and the token. Default `RXDAEMON_ID`, `RXDAEMON_TOKEN`. */
  readonly envNames?: { readonly id?: string; readonly token?: string };
  readonly uid?: number;
  readonly gid?: number;
  /**
   * Given to the child as `RXDAEMON_SCOPE`: marks every process of one
   * manager's data dir, so that a manager killed between a spawn and its
   * record can find the process afterwards (M8). The manager sets it; it is
   * not secret. A scope the supervisor itself inherited never reaches a child.
   */
  readonly scope?: string;
  /** Default `asyncScheduler`; a `TestScheduler` makes every timing rule virtual. */
  readonly scheduler?: SchedulerLike;
  /** Default: {@link defaultDriver}, node's child_process; {@link execaDriver} launches through execa. `rxdaemon/testing` has a fake. */
  readonly driver?: ProcessDriver;
  /** Default: silent. `console` and pino fit. */
  readonly logger?: Logger;
}

/** {@link DaemonOptions} with every default applied and every value checked. */
export interface ResolvedOptions {
  readonly pidFile: string | undefined;
  readonly gracefulStopMs: number;
  readonly stopSignal: Signal;
  readonly restart: RestartPolicy;
  readonly oneshot: boolean;
  readonly ready: { readonly check: Check; readonly intervalMs: number; readonly timeoutMs: number; readonly attemptTimeoutMs: number } | undefined;
  readonly health: { readonly check: Check; readonly intervalMs: number; readonly timeoutMs: number; readonly failures: number } | undefined;
  readonly tailLines: number;
  readonly maxLogBytes: number | undefined;
  readonly logBackups: number;
  readonly pollIntervalMs: number;
  /** How often a stopping adopted process is polled, so stop() resolves soon after it exits. */
  readonly stopPollIntervalMs: number;
  readonly killProcessGroup: boolean;
  readonly stdout: Stdio;
  readonly stderr: Stdio;
  readonly envNames: { readonly id: string; readonly token: string };
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly scope: string | undefined;
  readonly scheduler: SchedulerLike;
  readonly driver: ProcessDriver;
  readonly logger: Logger;
}

const STOP_POLL_INTERVAL_MS = 10;

// A policy is a pure value: every daemon left to the default shares this one.
const DEFAULT_RESTART = consulBackoff();

const isStdio = (value: unknown): value is Stdio =>
  value === 'ignore' ||
  value === 'inherit' ||
  (typeof value === 'object' && value !== null && typeof (value as { file?: unknown }).file === 'string' && (value as { file: string }).file.length > 0);

// A bare path is refused, not taken for a file: `'pipe'` would otherwise quietly create a file named pipe.
const stdio = (name: string, value: unknown): Stdio => (value === undefined ? 'ignore' : check(name, value, isStdio, "`'ignore'`, `'inherit'` or `{ file: path }`"));

const optional = <T, R = T>(value: T | undefined, check: (value: T) => R): R | undefined =>
  value === undefined ? undefined : check(value);

const checkPolicy = (value: unknown): RestartPolicy => {
  const policy = value as Partial<RestartPolicy> | null;
  if (typeof policy !== 'object' || policy === null || typeof policy.next !== 'function') {
    throw new TypeError('Expected the `restart` option to be a restart policy such as consulBackoff(), got ' + typeof value + '.');
  }
  checkPositiveDuration('restart.stableAfterMs', policy.stableAfterMs);
  return policy as RestartPolicy;
};

// A driver that keeps time itself (the FakeDriver) takes the pipeline's clock, or refuses another one here, where options enter.
const onScheduler = (driver: ProcessDriver, scheduler: SchedulerLike): ProcessDriver => {
  driver.useScheduler?.(scheduler);
  return driver;
};

const isFlag = (value: unknown): value is boolean => typeof value === 'boolean';

/** Whether a daemon is a one-shot task: a flag, which no ready or health check goes with (it is never ready). */
const checkOneshot = (options: DaemonOptions): boolean => {
  const oneshot = options.oneshot === undefined ? false : check('oneshot', options.oneshot, isFlag, 'true or false');
  for (const name of ['ready', 'health'] as const) {
    if (oneshot && options[name] !== undefined) {
      throw new TypeError(`Expected no \`${name}\` option on a one-shot task (\`oneshot: true\`): it runs to completion and is never ready; what starts after it waits for its exit with code 0.`);
    }
  }
  return oneshot;
};

/** A one-shot is not restarted unless its rule says so, and then only on failure: exit 0 completes it. */
const oneshotRestart = (policy: RestartPolicy | undefined): RestartPolicy =>
  policy === undefined || policy === noRestart ? noRestart : restartOn(checkPolicy(policy), { when: 'on-failure' });

let defaults: ResolvedOptions | undefined;

/**
 * Applies the defaults once, at the edge; inner code never re-checks them.
 * Daemons given no options share one resolved value.
 */
export const resolveOptions = (options?: DaemonOptions): ResolvedOptions =>
  options === undefined ? (defaults ??= resolve({})) : resolve(options);

const resolve = (options: DaemonOptions): ResolvedOptions => ({
  pidFile: optional(options.pidFile, (path) => checkNonEmptyString('pidFile', path)),
  gracefulStopMs: checkDuration('gracefulStopMs', options.gracefulStopMs ?? 5_000),
  stopSignal: checkSignal('stopSignal', options.stopSignal ?? 'SIGINT'),
  restart: checkOneshot(options) ? oneshotRestart(options.restart) : options.restart === undefined ? DEFAULT_RESTART : checkPolicy(options.restart),
  oneshot: checkOneshot(options),
  ready: optional(options.ready, (ready) => ({
    check: checkFunction('ready.check', ready.check),
    intervalMs: checkPositiveDuration('ready.intervalMs', ready.intervalMs ?? 100),
    timeoutMs: checkPositiveDuration('ready.timeoutMs', ready.timeoutMs ?? 60_000),
    attemptTimeoutMs: checkPositiveDuration('ready.attemptTimeoutMs', ready.attemptTimeoutMs ?? 5_000),
  })),
  health: optional(options.health, (health) => ({
    check: checkFunction('health.check', health.check),
    intervalMs: checkPositiveDuration('health.intervalMs', health.intervalMs ?? 10_000),
    timeoutMs: checkPositiveDuration('health.timeoutMs', health.timeoutMs ?? 5_000),
    failures: checkPositiveInteger('health.failures', health.failures ?? 3),
  })),
  tailLines: checkNonNegativeInteger('tailLines', options.tailLines ?? 20),
  maxLogBytes: optional(options.maxLogBytes, (bytes) => checkPositiveInteger('maxLogBytes', bytes)),
  logBackups: checkPositiveInteger('logBackups', options.logBackups ?? 3),
  pollIntervalMs: checkPositiveDuration('pollIntervalMs', options.pollIntervalMs ?? 1_000),
  stopPollIntervalMs: STOP_POLL_INTERVAL_MS,
  killProcessGroup: options.killProcessGroup ?? true,
  stdout: stdio('stdout', options.stdout),
  stderr: stdio('stderr', options.stderr),
  envNames: {
    id: checkNonEmptyString('envNames.id', options.envNames?.id ?? 'RXDAEMON_ID'),
    token: checkNonEmptyString('envNames.token', options.envNames?.token ?? 'RXDAEMON_TOKEN'),
  },
  uid: optional(options.uid, (uid) => checkNonNegativeInteger('uid', uid)),
  gid: optional(options.gid, (gid) => checkNonNegativeInteger('gid', gid)),
  scope: optional(options.scope, (scope) => checkNonEmptyString('scope', scope)),
  scheduler: options.scheduler ?? asyncScheduler,
  driver: onScheduler(options.driver ?? defaultDriver(), options.scheduler ?? asyncScheduler),
  logger: options.logger ?? silentLogger,
});
