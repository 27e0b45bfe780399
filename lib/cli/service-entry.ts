import { resolve } from 'node:path';
import * as t from 'io-ts';
import { SERVICE_RULES, type Service } from '../manager/service.js';
import type { RestartPolicy } from '../policy/restart-policy.js';
import type { Stdio } from '../process/spawn-spec.js';
import { commandFields, NonEmptyText, Text } from '../command-fields.js';
import { HealthEntry, ReadyEntry } from './check-entry.js';
import type { ReloadStableChecks } from './reload-stable-checks.js';
import { RestartEntry } from './restart-entry.js';
import { strictObject } from './strict-codec.js';

const FileTarget = strictObject('{ "file": path }', { file: NonEmptyText }, {});

// A manager always has a data dir, where a service's output goes when its
// entry says nothing: 'inherit' would hand a daemon that outlives its
// manager a terminal long gone, and the manager refuses it.
const OutputEntry = new t.Type<'ignore' | { file: string }, 'ignore' | { file: string }, unknown>(
  `'ignore' or { "file": path }`,
  (input): input is 'ignore' | { file: string } => input === 'ignore' || FileTarget.is(input),
  (input, context) => {
    if (input === 'inherit') return t.failure(input, context, "'inherit' is not for a manager's daemons (they outlive its terminal): leave it out for the data dir's log, or give 'ignore' or { \"file\": path }");
    if (input === 'ignore') return t.success(input);
    return t.UnknownRecord.is(input) ? FileTarget.validate(input, context) : t.failure(input, context);
  },
  t.identity,
);

// One schema of a service: the fields of a command are checked by the very
// codecs a snapshot uses (and `checkCommand` too), so a config that is
// accepted can always be run, recorded and restored (the token is never
// recorded, but it is a variable's value in the child); the options and
// `after` by the manager's own rules (SERVICE_RULES), so none is refused
// where it enters the manager. Only what a config writes as data of its
// own is the config's: output files (relative to the config), and
// `restart`, `ready` and `health`, which the library takes as a policy
// and checks.
const ServiceFields = strictObject(
  'a daemon: { command, args?, cwd?, env?, token?, …options }',
  { command: commandFields.command },
  {
    args: commandFields.args,
    cwd: commandFields.cwd,
    env: commandFields.env,
    token: Text,
    ...SERVICE_RULES,
    stdout: OutputEntry,
    stderr: OutputEntry,
    restart: RestartEntry,
    ready: ReadyEntry,
    health: HealthEntry,
  },
);
/** A decoded service entry. */
export type ServiceEntry = t.TypeOf<typeof ServiceFields>;

// What a service is, or what it waits for, is its own: not a default for every service. (Nor are the fields of its
// command, which ServiceFields holds outside SERVICE_RULES: what runs, where, with what, and its own secret.)
const DEFAULT_RULES = Object.fromEntries(Object.entries(SERVICE_RULES).filter(([name]) => name !== 'after' && name !== 'oneshot')) as Omit<typeof SERVICE_RULES, 'after' | 'oneshot'>;

/**
 * A config's top-level `defaults`: any option of a service, for every
 * service that does not set its own; not `command`, `args`, `cwd`, `env`
 * or `token` (what runs, where, with what: each service's own, and a token
 * shared by all would tell none apart), nor `oneshot` or `after`.
 */
export const DefaultsEntry = strictObject(
  'service options for every daemon: { gracefulStopMs?, stopSignal?, restart?, ready?, … }',
  {},
  { ...DEFAULT_RULES, stdout: OutputEntry, stderr: OutputEntry, restart: RestartEntry, ready: ReadyEntry, health: HealthEntry },
);
/** A decoded `defaults`. */
export type DefaultsEntry = t.TypeOf<typeof DefaultsEntry>;

// The defaults a one-shot does not take: a policy and checks are for daemons (a one-shot is restarted only as its own
// rule says, and is never ready).
const DAEMONS_ONLY = ['restart', 'ready', 'health'] as const;

/**
 * A service's entry with the config's `defaults` under it: each option the
 * entry does not set, the default's (for a one-shot, but for `restart`,
 * `ready` and `health`); the entry's own value always wins, whole.
 *
 * @example
 * withDefaults({ command: 'envoy' }, { gracefulStopMs: 20_000 }); // { command: 'envoy', gracefulStopMs: 20_000 }
 */
export const withDefaults = (entry: ServiceEntry, defaults: DefaultsEntry | undefined): ServiceEntry => {
  if (defaults === undefined) return entry;
  const taken = entry.oneshot === true ? Object.fromEntries(Object.entries(defaults).filter(([name]) => !(DAEMONS_ONLY as readonly string[]).includes(name))) : defaults;
  return { ...taken, ...entry };
};

// An output check reads the daemon's output file; with 'ignore' there is
// none, and every attempt would fail (ENOOUTPUT) until the run is given up.
const unreadOutput = (entry: ServiceEntry, context: t.Context): t.Validation<ServiceEntry> => {
  for (const role of ['ready', 'health'] as const) {
    const check = entry[role];
    if (check === undefined || !('output' in check)) continue;
    const stream = check.stream ?? 'stdout';
    if (entry[stream] === 'ignore') {
      return t.failure(check.output, t.appendContext(t.appendContext(context, role, t.never, check), 'output', t.never, check.output), `reads the daemon's ${stream} file, but \`${stream}\` is 'ignore'`);
    }
  }
  return t.success(entry);
};

// A one-shot runs to completion and is never ready: a check of its readiness or health could never pass.
const checkedOneshot = (entry: ServiceEntry, context: t.Context): t.Validation<ServiceEntry> => {
  if (entry.oneshot !== true) return t.success(entry);
  for (const role of ['ready', 'health'] as const) {
    const check = entry[role];
    if (check !== undefined) {
      return t.failure(check, t.appendContext(context, role, t.never, check), `a one-shot task ("oneshot": true) is never ready: what starts after it waits for its exit with code 0; leave \`${role}\` out`);
    }
  }
  return t.success(entry);
};

/**
 * One service of a config, `{ command, args?, cwd?, env?, token?, …options }`:
 * every field the library's own rule, but for the data forms only a config
 * has (output files, `restart`, `ready`, `health`). An output check of a
 * stream that is `'ignore'` is refused, and a ready or health check of a
 * one-shot: neither could ever pass.
 */
export const ServiceEntry = new t.Type<ServiceEntry, ServiceEntry, unknown>(
  ServiceFields.name,
  ServiceFields.is,
  (input, context) => {
    const fields = ServiceFields.validate(input, context);
    if (fields._tag === 'Left') return fields;
    const output = unreadOutput(fields.right, context);
    return output._tag === 'Left' ? output : checkedOneshot(output.right, context);
  },
  t.identity,
);

// A relative output file is the config's neighbour, wherever the manager was started.
const outputIn = (directory: string, entry: 'ignore' | { file: string }): Stdio => (entry === 'ignore' ? entry : { file: resolve(directory, entry.file) });

/** What turns a config's entries into objects that keep their identity across reads (see `reloadStable`), and where a relative path is. */
export interface Builders {
  readonly directory: string;
  readonly policyFor: (entry: RestartEntry) => RestartPolicy;
  readonly checksFor: ReloadStableChecks;
}

/**
 * The service a decoded entry describes: a relative `cwd` and output file
 * resolved against the config's directory, its `restart`, `ready` and
 * `health` built (the same objects for an equal entry, as `builders` keep them).
 *
 * @example
 * serviceOf({ command: 'envoy', cwd: 'srv' }, { directory: '/etc/agent', policyFor: reloadStablePolicies(), checksFor: reloadStableChecks('/etc/agent') });
 */
export const serviceOf = (entry: ServiceEntry, { directory, policyFor, checksFor }: Builders): Service => {
  const { cwd, restart, ready, health, stdout, stderr, ...rest } = entry;
  return {
    ...rest,
    // Like an output file, and not the manager's own cwd, which a service manager (systemd, a container) chooses.
    ...(cwd === undefined ? {} : { cwd: resolve(directory, cwd) }),
    ...(restart === undefined ? {} : { restart: policyFor(restart) }),
    ...(ready === undefined ? {} : { ready: checksFor.ready(ready) }),
    ...(health === undefined ? {} : { health: checksFor.health(health) }),
    ...(stdout === undefined ? {} : { stdout: outputIn(directory, stdout) }),
    ...(stderr === undefined ? {} : { stderr: outputIn(directory, stderr) }),
  };
};

