import type { Check, ReadyOptions } from '../checks/check.js';
import { http } from '../checks/http.js';
import { tcp } from '../checks/tcp.js';
import type { DaemonOptions } from '../options.js';
import type { RestartPolicy } from '../policy/restart-policy.js';
import type { Stdio } from '../process/spawn-spec.js';
import { optionValue } from './args.js';
import { HttpUrl } from '../checks/http.js';
import { OPTION_RULES, READY_RULES } from '../options.js';
import { PositiveDuration, PositiveInteger } from '../validate.js';
import { Port } from './option-codecs.js';
import { UsageError } from './output.js';
import { restartPolicyOf, RestartWhen } from './restart-entry.js';

/** The flags of `rxdaemon run`, for `parse`. */
export const RUN_OPTIONS = {
  'pid-file': { type: 'string' },
  grace: { type: 'string' },
  'stop-signal': { type: 'string' },
  restart: { type: 'string' },
  'max-restarts': { type: 'string' },
  within: { type: 'string' },
  'ready-http': { type: 'string' },
  'ready-tcp': { type: 'string' },
  'ready-timeout': { type: 'string' },
  state: { type: 'string' },
  'keep-on-exit': { type: 'boolean' },
  stdout: { type: 'string' },
  stderr: { type: 'string' },
  'tail-lines': { type: 'string' },
  'max-log-bytes': { type: 'string' },
  'log-backups': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The flags of `rxdaemon run` that say how its daemon runs, as `parse` gives them. */
export interface RunFlags {
  readonly 'pid-file'?: string;
  readonly grace?: string;
  readonly 'stop-signal'?: string;
  readonly restart?: string;
  readonly 'max-restarts'?: string;
  readonly within?: string;
  readonly 'ready-http'?: string;
  readonly 'ready-tcp'?: string;
  readonly 'ready-timeout'?: string;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly 'tail-lines'?: string;
  readonly 'max-log-bytes'?: string;
  readonly 'log-backups'?: string;
  /** Events as JSON lines on stdout: the program's stdout goes elsewhere by default. */
  readonly json?: boolean;
  /** The program outlives rxdaemon: it gets nothing of the terminal by default. */
  readonly 'keep-on-exit'?: boolean;
}

/** A file flag: any path but the empty one. */
const file = (name: string, value: string): string => {
  if (value === '') throw new UsageError(`--${name} takes a file, got ''`);
  return value;
};

/** `--stdout inherit`, `--stdout ignore`, or a file (relative to where rxdaemon runs). */
const stdio = (name: string, value: string): Stdio => {
  if (value === 'inherit' || value === 'ignore') return value;
  if (value === '') throw new UsageError(`--${name} takes a file, 'inherit' or 'ignore', got ''`);
  return { file: value };
};

/**
 * The policy of `--restart WHEN` and `--max-restarts N --within MS` (the two
 * go together): the default consul backoff under `restartOn` and
 * `limitRestarts`, as a config's `"restart": { "when", "maxRestarts",
 * "withinMs" }` builds it. Undefined when neither is given: the default.
 */
const restartOf = (flags: RunFlags): RestartPolicy | undefined => {
  const max = flags['max-restarts'];
  const within = flags.within;
  if (max !== undefined && within === undefined) throw new UsageError('--max-restarts N needs --within MS: at most N restarts within MS ms');
  if (max === undefined && within !== undefined) throw new UsageError('--within MS needs --max-restarts N: at most N restarts within MS ms');
  if (flags.restart === undefined && max === undefined) return undefined;
  return restartPolicyOf({
    policy: 'consul',
    when: flags.restart === undefined ? undefined : optionValue('restart', flags.restart, RestartWhen),
    maxRestarts: max === undefined ? undefined : optionValue('max-restarts', max, PositiveInteger),
    withinMs: within === undefined ? undefined : optionValue('within', within, PositiveDuration),
  });
};

/** The check of `--ready-http URL` or `--ready-tcp PORT` (of 127.0.0.1), as a config's `"ready": { "http" }` or `{ "tcp" }` builds it; one or neither. */
const readyCheckOf = (flags: RunFlags): Check | undefined => {
  const { 'ready-http': url, 'ready-tcp': port } = flags;
  if (url !== undefined && port !== undefined) throw new UsageError('--ready-http and --ready-tcp: give one ready check, not both');
  if (url !== undefined) return http(optionValue('ready-http', url, HttpUrl));
  return port === undefined ? undefined : tcp(optionValue('ready-tcp', port, Port));
};

/**
 * `ready` from its flags: the check, and `--ready-timeout MS` (default
 * 60 000), which goes with one. Undefined without a check: ready as soon
 * as it runs.
 */
const readyOf = (flags: RunFlags): ReadyOptions | undefined => {
  const check = readyCheckOf(flags);
  const timeout = flags['ready-timeout'];
  if (check === undefined) {
    if (timeout !== undefined) throw new UsageError('--ready-timeout MS needs --ready-http URL or --ready-tcp PORT: the check it gives time to');
    return undefined;
  }
  return { check, ...(timeout === undefined ? {} : { timeoutMs: optionValue('ready-timeout', timeout, READY_RULES.timeoutMs) }) };
};

/**
 * The daemon's options from the flags of `rxdaemon run`. A bad value is a
 * {@link UsageError} that names its flag and what it takes; flags and a
 * config file's fields accept the same values.
 *
 * @example
 * daemonOptionsOf({ 'stop-signal': 'SIGTERM', restart: 'on-failure', 'max-restarts': '5', within: '60000' });
 */
export const daemonOptionsOf = (flags: RunFlags): DaemonOptions => {
  const restart = restartOf(flags);
  const ready = readyOf(flags);
  return {
    ...(flags.grace === undefined ? {} : { gracefulStopMs: optionValue('grace', flags.grace, OPTION_RULES.gracefulStopMs) }),
    ...(flags['stop-signal'] === undefined ? {} : { stopSignal: optionValue('stop-signal', flags['stop-signal'], OPTION_RULES.stopSignal) }),
    ...(restart === undefined ? {} : { restart }),
    ...(ready === undefined ? {} : { ready }),
    ...(flags['pid-file'] === undefined ? {} : { pidFile: file('pid-file', flags['pid-file']) }),
    ...outputOf(flags),
  };
};

/**
 * Where the program's output goes when no flag says: the terminal's, as
 * every foreground runner shows it; but with `--json` its stdout is
 * ignored, since the events' JSON lines are there and a program's line
 * among them would break a reader's parse (its stderr still shows); and
 * with `--keep-on-exit` both are ignored: a program that outlives rxdaemon
 * would write to a terminal long gone, and on a pipe would die of SIGPIPE
 * once the reader is gone (S2).
 */
const defaultOutputOf = (flags: RunFlags): { readonly stdout: Stdio; readonly stderr: Stdio } => {
  if (flags['keep-on-exit'] === true) return { stdout: 'ignore', stderr: 'ignore' };
  return { stdout: flags.json === true ? 'ignore' : 'inherit', stderr: 'inherit' };
};

/**
 * `--stdout` and `--stderr` (else {@link defaultOutputOf}), and the flags that act on an output file
 * (`--tail-lines`, `--max-log-bytes`, `--log-backups`), which are a usage
 * error without one: silently doing nothing is what a typo'd command line
 * must not get.
 */
const outputOf = (flags: RunFlags): Pick<DaemonOptions, 'stdout' | 'stderr' | 'tailLines' | 'maxLogBytes' | 'logBackups'> => {
  const stdout = flags.stdout === undefined ? defaultOutputOf(flags).stdout : stdio('stdout', flags.stdout);
  const stderr = flags.stderr === undefined ? defaultOutputOf(flags).stderr : stdio('stderr', flags.stderr);
  const toFile = typeof stdout === 'object' || typeof stderr === 'object';
  for (const name of ['tail-lines', 'max-log-bytes', 'log-backups'] as const) {
    if (flags[name] !== undefined && !toFile) throw new UsageError(`--${name} acts on an output file: give --stdout FILE or --stderr FILE`);
  }
  if (flags['log-backups'] !== undefined && flags['max-log-bytes'] === undefined) throw new UsageError('--log-backups K needs --max-log-bytes N: the size past which a log is rotated');
  return {
    stdout,
    stderr,
    ...(flags['tail-lines'] === undefined ? {} : { tailLines: optionValue('tail-lines', flags['tail-lines'], OPTION_RULES.tailLines) }),
    ...(flags['max-log-bytes'] === undefined ? {} : { maxLogBytes: optionValue('max-log-bytes', flags['max-log-bytes'], OPTION_RULES.maxLogBytes) }),
    ...(flags['log-backups'] === undefined ? {} : { logBackups: optionValue('log-backups', flags['log-backups'], OPTION_RULES.logBackups) }),
  };
};
