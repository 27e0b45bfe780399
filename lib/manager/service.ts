import type { Either } from 'fp-ts/lib/Either.js';
import { checkCommand, commandEquals, type Command } from '../command.js';
import { OPTION_RULES, resolveOptions, type DaemonOptions } from '../options.js';
import type { OutputStream } from '../output/output-lines.js';
import type { Stdio } from '../process/spawn-spec.js';
import { check, refusalOf, satisfying } from '../validate.js';
import { noRestart } from '../policy/no-restart.js';
import type { DataDir } from './data-dir.js';

/** The options one service of a manager may have of its own; the rest are the manager's, for all. */
export type ServiceOptions = Pick<
  DaemonOptions,
  'gracefulStopMs' | 'stopSignal' | 'restart' | 'oneshot' | 'ready' | 'health' | 'killProcessGroup' | 'stdout' | 'stderr' | 'tailLines' | 'maxLogBytes' | 'logBackups' | 'uid' | 'gid' | 'memoryMax' | 'cpuMax' | 'pidsMax'
>;

/** The names of {@link ServiceOptions}: what a service's entry may hold besides its command. */
export const SERVICE_OPTIONS = [
  'gracefulStopMs',
  'stopSignal',
  'restart',
  'oneshot',
  'ready',
  'health',
  'killProcessGroup',
  'stdout',
  'stderr',
  'tailLines',
  'maxLogBytes',
  'logBackups',
  'uid',
  'gid',
  'memoryMax',
  'cpuMax',
  'pidsMax',
] as const satisfies readonly (keyof ServiceOptions)[];

type DataOption = Extract<(typeof SERVICE_OPTIONS)[number], keyof typeof OPTION_RULES>;

// The options of a service that are data: all but `restart`, `ready` and `health`, which hold a policy or a check.
const DATA_OPTIONS = SERVICE_OPTIONS.filter((name): name is DataOption => Object.hasOwn(OPTION_RULES, name));

/** Ids of the desired set that a service starts after. */
const Ids = satisfying('an array of ids (strings)', (value): value is readonly string[] => Array.isArray(value) && value.every((id) => typeof id === 'string'));

/**
 * The rule of each field of a service that is data: its own options'
 * (those of {@link OPTION_RULES}), then `after`'s. What {@link checkService}
 * checks a service with, and what `rxdaemon manage` decodes the same fields
 * of its config file with: one schema of a service, so a config that
 * decodes is a desired set the manager runs.
 */
export const SERVICE_RULES: Pick<typeof OPTION_RULES, DataOption> & { readonly after: typeof Ids } = {
  ...(Object.fromEntries(DATA_OPTIONS.map((name) => [name, OPTION_RULES[name]])) as Pick<typeof OPTION_RULES, DataOption>),
  after: Ids,
};

/**
 * One entry of a desired set: what to run, with its own options. A plain
 * `Command` is a service with no options of its own. With `oneshot: true`
 * it is a task that runs to completion (a migration): never `ready`, not
 * restarted unless its own `restart` says so (the manager's is for
 * daemons), and what starts after it waits for its exit with code 0.
 *
 * @example
 * const envoy: Service = { command: 'envoy', args: ['-c', 'envoy.yaml'], stopSignal: 'SIGTERM', gracefulStopMs: 20_000, after: ['migrate'] };
 * const migrate: Service = { command: 'migrate', args: ['up'], oneshot: true };
 */
export interface Service extends Command, ServiceOptions {
  /**
   * Ids of the desired set this one starts after: it is spawned only once
   * each daemon of them is `ready` and each one-shot has completed with
   * exit code 0; stopped before them.
   */
  readonly after?: readonly string[];
}

/** The desired state: one service per id (a plain `Command` is a service with no options of its own). The id is the key; a command's own `id` is replaced by it. */
export type DesiredSet = Readonly<Record<string, Service>>;

/** A service split into its command and its own options. */
export const partsOf = (service: Service): { readonly command: Command; readonly options: ServiceOptions } => {
  const { command, args, cwd, env, id, token } = service;
  const options: Partial<Record<keyof ServiceOptions, unknown>> = {};
  for (const name of SERVICE_OPTIONS) if (service[name] !== undefined) options[name] = service[name];
  return {
    command: { command, ...(args === undefined ? {} : { args }), ...(cwd === undefined ? {} : { cwd }), ...(env === undefined ? {} : { env }), ...(id === undefined ? {} : { id }), ...(token === undefined ? {} : { token }) },
    options: options as ServiceOptions,
  };
};

/**
 * Whether two option values are the same: data by value (numbers,
 * strings, `{ file }`, arrays, plain objects), functions and everything
 * else by identity, so a policy is the same policy only when it is the
 * same object.
 */
const sameValue = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
};

/** S6 for services: the same command (see `commandEquals`), the same options (functions compared by identity) and the same `after`. */
export const serviceEquals = (a: Service, b: Service): boolean =>
  commandEquals(a, b) && SERVICE_OPTIONS.every((name) => sameValue(a[name], b[name])) && sameValue(a.after ?? [], b.after ?? []);

/**
 * Checks a service where it enters a manager, as its id's: the command and
 * each option, as `new Daemon` would (see {@link SERVICE_RULES}). A Left
 * says what a user can act on, naming the field: the manager refuses that
 * entry alone. With a data dir, output goes to its logs (or a file of the
 * service's choosing), never to the manager's own stdout: a daemon that
 * outlives its manager would write to a terminal long gone.
 *
 * @example
 * checkService({ command: 'envoy', gracefulStopMs: -1 }, 'web', true); // Left: Expected the `gracefulStopMs` option to be …
 */
export const checkService = (service: Service, id: string, withDataDir: boolean): Either<string, Service> =>
  refusalOf(() => {
    const checked: Service = { ...service, id };
    checkCommand(checked);
    if (checked.after !== undefined) check('after', checked.after, SERVICE_RULES.after);
    resolveOptions(partsOf(checked).options);
    for (const stream of ['stdout', 'stderr'] as const) {
      if (withDataDir && checked[stream] === 'inherit') {
        throw new TypeError(`Expected the \`${stream}\` option to be 'ignore' or { file } under a manager with a data dir (its logs are there), got 'inherit'.`);
      }
    }
    return checked;
  });

/** Where a managed daemon's output goes: the service's own choice, else its log in the data dir; undefined (the default, ignored) without either. */
export const outputOf = (stream: OutputStream, id: string, own: ServiceOptions, dataDir: DataDir | undefined): Stdio | undefined =>
  own[stream] ?? (dataDir === undefined ? undefined : { file: dataDir[stream](id) });

/**
 * The manager's options for one daemon, the service's own over them; with
 * a data dir, its pid file and (unless the service says otherwise) its
 * logs there.
 */
export const daemonOptionsOf = (id: string, own: ServiceOptions, manager: DaemonOptions, dataDir: DataDir | undefined): DaemonOptions => {
  // A one-shot is restarted only as its own rule says: the manager's is for daemons.
  const options = { ...manager, ...(own.oneshot === true ? { restart: own.restart ?? noRestart } : {}), ...own };
  if (dataDir === undefined) return options;
  return { ...options, pidFile: dataDir.pidFile(id), stdout: outputOf('stdout', id, own, dataDir), stderr: outputOf('stderr', id, own, dataDir) };
};
