import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { silentLogger, type Logger } from './logger.js';
import { consulBackoff } from './policy/consul-backoff.js';
import { noRestart } from './policy/no-restart.js';
import { restartOn } from './policy/restart-on.js';
import type { Check, HealthOptions, ReadyOptions } from './checks/check.js';
import type { RestartPolicy } from './policy/restart-policy.js';
import type { ProcessDriver } from './process/driver.js';
import type { Stdio } from './process/spawn-spec.js';
import { noCgroups } from './process/cgroups.js';
import { defaultDriver } from './process/default-driver.js';
import type * as t from 'io-ts';
import { AbsolutePath, check, checkFunction, CoreShare, Duration, Flag, NonEmptyString, NonNegativeInteger, PositiveDuration, PositiveInteger, satisfying, SignalName } from './validate.js';
import type { Signal } from './signal-name.js';
import type { CgroupLimits } from './process/cgroup/limits.js';

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
  /**
   * Rotate a `{ file }` output past this many bytes (checked at least once a
   * second): copied to `.1`, then truncated in place. 0: never. Default:
   * never for a lone daemon; 10 MiB under a manager (see `manage`).
   */
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
  /**
   * The cgroup v2 directory the daemon's processes run in (Containment),
   * which must exist: each child joins it before its program runs, a stop
   * ends whatever is left in it (setsid escapees included) through
   * `cgroup.kill`, and `stopped` waits until it is empty. A manager sets it
   * for each service under containment; it is not a service's option.
   */
  readonly cgroup?: string;
  /** The most memory the service's whole tree may use, in bytes (cgroup `memory.max`): a manager's service under cgroup containment only. */
  readonly memoryMax?: number;
  /** The CPU the service's whole tree may use, in cores (0.5 is half of one; cgroup `cpu.max`): a manager's service under cgroup containment only. */
  readonly cpuMax?: number;
  /** How many processes and threads the service's whole tree may have (cgroup `pids.max`): a manager's service under cgroup containment only. */
  readonly pidsMax?: number;
  /** Default `asyncScheduler`; a `TestScheduler` makes every timing rule virtual. */
  readonly scheduler?: SchedulerLike;
  /**
   * The OS as the pipeline sees it, in three seams (`processes`, `system`,
   * `files`), each of which may be left out: a missing one is the OS's
   * ({@link defaultDriver}'s, node's child_process). {@link execaDriver}
   * launches through execa; `rxdaemon/testing` has a fake of each seam.
   */
  readonly driver?: Partial<ProcessDriver>;
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
  readonly cgroup: string | undefined;
  /** The limits asked for, which the manager writes into the service's cgroup. */
  readonly limits: CgroupLimits;
  readonly scheduler: SchedulerLike;
  readonly driver: ProcessDriver;
  readonly logger: Logger;
}

const STOP_POLL_INTERVAL_MS = 10;

// A policy is a pure value: every daemon left to the default shares this one.
const DEFAULT_RESTART = consulBackoff();

/** Where output goes. A bare path is refused, not taken for a file: `'pipe'` would otherwise quietly create a file named pipe. */
const StdioRule = satisfying<Stdio>(
  "`'ignore'`, `'inherit'` or `{ file: path }`",
  (value): value is Stdio =>
    value === 'ignore' || value === 'inherit' || (typeof value === 'object' && value !== null && NonEmptyString.is((value as { file?: unknown }).file)),
);

/**
 * The rule (a codec of validate.ts) of each option that is data, not a
 * function, policy or check: what {@link resolveOptions} checks it with,
 * and, for a service's own options, what a config file's field is decoded
 * with (`SERVICE_RULES`), so the two accept the same values in the same words.
 */
export const OPTION_RULES = {
  pidFile: NonEmptyString,
  gracefulStopMs: Duration,
  stopSignal: SignalName,
  tailLines: NonNegativeInteger,
  maxLogBytes: NonNegativeInteger,
  logBackups: PositiveInteger,
  pollIntervalMs: PositiveDuration,
  killProcessGroup: Flag,
  oneshot: Flag,
  stdout: StdioRule,
  stderr: StdioRule,
  uid: NonNegativeInteger,
  gid: NonNegativeInteger,
  scope: NonEmptyString,
  cgroup: AbsolutePath,
  memoryMax: PositiveInteger,
  cpuMax: CoreShare,
  pidsMax: PositiveInteger,
} as const satisfies { readonly [K in keyof DaemonOptions]?: t.Type<NonNullable<DaemonOptions[K]>, NonNullable<DaemonOptions[K]>> };

/** The rules of `ready`'s timing fields (its `check` is a function). */
export const READY_RULES = { intervalMs: PositiveDuration, timeoutMs: PositiveDuration, attemptTimeoutMs: PositiveDuration } as const;

/** The rules of `health`'s timing fields (its `check` is a function). */
export const HEALTH_RULES = { intervalMs: PositiveDuration, timeoutMs: PositiveDuration, failures: PositiveInteger } as const;

const optional = <T, R = T>(value: T | undefined, check: (value: T) => R): R | undefined =>
  value === undefined ? undefined : check(value);

/** `{ [name]: value }` checked, or nothing when it is not given. */
const optionalField = <K extends string, A>(name: K, value: unknown, rule: t.Type<A, A>): Partial<Record<K, A>> =>
  value === undefined ? {} : ({ [name]: check(name, value, rule) } as Partial<Record<K, A>>);

const checkPolicy = (value: unknown): RestartPolicy => {
  const policy = value as Partial<RestartPolicy> | null;
  if (typeof policy !== 'object' || policy === null || typeof policy.next !== 'function') {
    throw new TypeError('Expected the `restart` option to be a restart policy such as consulBackoff(), got ' + typeof value + '.');
  }
  check('restart.stableAfterMs', policy.stableAfterMs, PositiveDuration);
  return policy as RestartPolicy;
};

/**
 * A driver with every seam: those given, and the OS's for those left out.
 * One given whole is kept as it is, so the daemons of a manager share it.
 */
export const driverOf = (parts: Partial<ProcessDriver> = defaultDriver()): ProcessDriver => {
  if (isWhole(parts)) return parts;
  const os = defaultDriver();
  return {
    processes: parts.processes ?? os.processes,
    system: parts.system ?? os.system,
    files: parts.files ?? os.files,
    // Processes of a seam's own (fakes) are never put in the OS's cgroups.
    cgroups: parts.cgroups ?? (parts.processes === undefined ? os.cgroups : noCgroups),
  };
};

const isWhole = (parts: Partial<ProcessDriver>): parts is ProcessDriver =>
  parts.processes !== undefined && parts.system !== undefined && parts.files !== undefined && parts.cgroups !== undefined;

// A seam that keeps time itself (the fakes of rxdaemon/testing) takes the pipeline's clock, or refuses another one here, where options enter.
const onScheduler = (driver: ProcessDriver, scheduler: SchedulerLike): ProcessDriver => {
  driver.processes.useScheduler?.(scheduler);
  driver.system.useScheduler?.(scheduler);
  return driver;
};

/** Whether a daemon is a one-shot task: a flag, which no ready or health check goes with (it is never ready). */
const checkOneshot = (options: DaemonOptions): boolean => {
  const oneshot = options.oneshot === undefined ? false : check('oneshot', options.oneshot, OPTION_RULES.oneshot);
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

/**
 * The options of a daemon that runs on its own (a `Daemon`, `supervise()`):
 * {@link resolveOptions}, where a limit without a `cgroup` is a TypeError.
 * A limit is written into a cgroup by the manager that made it; without
 * one the daemon would run unlimited, which is never done silently.
 */
export const resolveDaemonOptions = (options?: DaemonOptions): ResolvedOptions => {
  const resolved = resolveOptions(options);
  const limit = Object.keys(resolved.limits)[0];
  if (limit !== undefined && resolved.cgroup === undefined) {
    throw new TypeError(`Expected no \`${limit}\` option on a daemon without a \`cgroup\`: limits apply to a manager's services under cgroup containment (see docs/containment.md).`);
  }
  return resolved;
};

let defaults: ResolvedOptions | undefined;

/**
 * Applies the defaults once, at the edge; inner code never re-checks them.
 * Daemons given no options share one resolved value.
 */
export const resolveOptions = (options?: DaemonOptions): ResolvedOptions =>
  options === undefined ? (defaults ??= resolve({})) : resolve(options);

const resolve = (options: DaemonOptions): ResolvedOptions => ({
  pidFile: optional(options.pidFile, (path) => check('pidFile', path, OPTION_RULES.pidFile)),
  gracefulStopMs: check('gracefulStopMs', options.gracefulStopMs ?? 5_000, OPTION_RULES.gracefulStopMs),
  stopSignal: check('stopSignal', options.stopSignal ?? 'SIGINT', OPTION_RULES.stopSignal),
  restart: checkOneshot(options) ? oneshotRestart(options.restart) : options.restart === undefined ? DEFAULT_RESTART : checkPolicy(options.restart),
  oneshot: checkOneshot(options),
  ready: optional(options.ready, (ready) => ({
    check: checkFunction('ready.check', ready.check),
    intervalMs: check('ready.intervalMs', ready.intervalMs ?? 100, READY_RULES.intervalMs),
    timeoutMs: check('ready.timeoutMs', ready.timeoutMs ?? 60_000, READY_RULES.timeoutMs),
    attemptTimeoutMs: check('ready.attemptTimeoutMs', ready.attemptTimeoutMs ?? 5_000, READY_RULES.attemptTimeoutMs),
  })),
  health: optional(options.health, (health) => ({
    check: checkFunction('health.check', health.check),
    intervalMs: check('health.intervalMs', health.intervalMs ?? 10_000, HEALTH_RULES.intervalMs),
    timeoutMs: check('health.timeoutMs', health.timeoutMs ?? 5_000, HEALTH_RULES.timeoutMs),
    failures: check('health.failures', health.failures ?? 3, HEALTH_RULES.failures),
  })),
  tailLines: check('tailLines', options.tailLines ?? 20, OPTION_RULES.tailLines),
  // 0 is the way to say "never" over a manager's default: resolved to none, as a lone daemon's default is.
  maxLogBytes: optional(options.maxLogBytes, (bytes) => check('maxLogBytes', bytes, OPTION_RULES.maxLogBytes) || undefined),
  logBackups: check('logBackups', options.logBackups ?? 3, OPTION_RULES.logBackups),
  pollIntervalMs: check('pollIntervalMs', options.pollIntervalMs ?? 1_000, OPTION_RULES.pollIntervalMs),
  stopPollIntervalMs: STOP_POLL_INTERVAL_MS,
  killProcessGroup: check('killProcessGroup', options.killProcessGroup ?? true, OPTION_RULES.killProcessGroup),
  stdout: check('stdout', options.stdout ?? 'ignore', OPTION_RULES.stdout),
  stderr: check('stderr', options.stderr ?? 'ignore', OPTION_RULES.stderr),
  envNames: {
    id: check('envNames.id', options.envNames?.id ?? 'RXDAEMON_ID', NonEmptyString),
    token: check('envNames.token', options.envNames?.token ?? 'RXDAEMON_TOKEN', NonEmptyString),
  },
  uid: optional(options.uid, (uid) => check('uid', uid, OPTION_RULES.uid)),
  gid: optional(options.gid, (gid) => check('gid', gid, OPTION_RULES.gid)),
  scope: optional(options.scope, (scope) => check('scope', scope, OPTION_RULES.scope)),
  cgroup: optional(options.cgroup, (cgroup) => check('cgroup', cgroup, OPTION_RULES.cgroup)),
  limits: {
    ...optionalField('memoryMax', options.memoryMax, OPTION_RULES.memoryMax),
    ...optionalField('cpuMax', options.cpuMax, OPTION_RULES.cpuMax),
    ...optionalField('pidsMax', options.pidsMax, OPTION_RULES.pidsMax),
  },
  scheduler: options.scheduler ?? asyncScheduler,
  driver: onScheduler(driverOf(options.driver), options.scheduler ?? asyncScheduler),
  logger: options.logger ?? silentLogger,
});
