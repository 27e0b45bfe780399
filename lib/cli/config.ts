import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { errorFields } from '../events.js';
import type { DesiredSet } from '../manager/manage.js';
import { afterFaults } from '../manager/order.js';
import type { Service } from '../manager/service.js';
import type { RestartPolicy } from '../policy/restart-policy.js';
import type { Stdio } from '../process/driver.js';
import { commandFields, NonEmptyText, satisfying, Text } from '../snapshot/codec.js';
import { reportDecodeErrors } from '../snapshot/decode-errors.js';
import { checkCache, type CheckCache } from './check-cache.js';
import { HealthEntry, ReadyEntry } from './check-entry.js';
import { parseJson } from './json.js';
import { Duration, Flag, NonNegativeInteger, PositiveInteger, Signal } from './option-codecs.js';
import { policyCache } from './policy-cache.js';
import { RestartEntry } from './restart-entry.js';
import { closestName, strictObject } from './strict-codec.js';

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

/** The ids of `after`: other entries of the config (see {@link Daemons}). */
const Ids = satisfying('an array of ids (strings)', (input): input is string[] => Array.isArray(input) && input.every((id) => typeof id === 'string'));

// The fields of a command are checked by the very codecs a snapshot uses
// (and `checkCommand` too), so a config that is accepted can always be run,
// recorded and restored. The token is never recorded, but it is a
// variable's value in the child. The options are checked by the library's
// own rules (option-codecs.ts), so none is refused where it enters the manager.
const ServiceFields = strictObject(
  'a daemon: { command, args?, cwd?, env?, token?, …options }',
  { command: commandFields.command },
  {
    args: commandFields.args,
    cwd: commandFields.cwd,
    env: commandFields.env,
    token: Text,
    gracefulStopMs: Duration,
    stopSignal: Signal,
    restart: RestartEntry,
    oneshot: Flag,
    ready: ReadyEntry,
    health: HealthEntry,
    after: Ids,
    killProcessGroup: Flag,
    stdout: OutputEntry,
    stderr: OutputEntry,
    tailLines: NonNegativeInteger,
    maxLogBytes: PositiveInteger,
    logBackups: PositiveInteger,
    uid: NonNegativeInteger,
    gid: NonNegativeInteger,
  },
);
type ServiceEntry = t.TypeOf<typeof ServiceFields>;

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

const ServiceEntry = new t.Type<ServiceEntry, ServiceEntry, unknown>(
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

const Entries = t.record(t.string, ServiceEntry);
type Entries = t.TypeOf<typeof Entries>;

// What an unknown id in an `after` says: the id, and the one meant when one is close (never the entry itself).
const noSuchDaemon = (ids: readonly string[], own: string) => (name: string): string => {
  const meant = closestName(name, ids.filter((id) => id !== own));
  return `no daemon ${JSON.stringify(name)} in this config${meant === undefined ? '' : `; did you mean ${JSON.stringify(meant)}?`}`;
};

// An error at `daemons.<id>.after`, where the user fixes it.
const afterError = (entries: Entries, id: string, context: t.Context, message: string): t.ValidationError => {
  const entry = entries[id];
  return { value: entry?.after, context: [...context, { key: id, type: ServiceEntry, actual: entry }, { key: 'after', type: Ids, actual: entry?.after }], message };
};

// The library skips an entry whose `after` can never be met, and runs the
// rest; a config is the user's to fix, so it is refused whole, as any other
// mistake (exit 2 at start, the running set kept on a reload). The roots
// only: what depends on such an entry is fine once it is fixed.
const Daemons = new t.Type<Entries, Entries, unknown>(
  Entries.name,
  Entries.is,
  (input, context) => {
    const entries = Entries.validate(input, context);
    if (isLeft(entries)) return entries;
    const { unknown, cycles } = afterFaults(new Map(Object.entries(entries.right)));
    const ids = Object.keys(entries.right);
    const errors = [
      ...[...unknown].map(([id, names]) => afterError(entries.right, id, context, names.map(noSuchDaemon(ids, id)).join('; '))),
      ...cycles.map((cycle) => afterError(entries.right, cycle[0], context, `a cycle: ${cycle.join(' → ')}`)),
    ];
    return errors.length === 0 ? entries : t.failures(errors);
  },
  t.identity,
);

/**
 * The config file of `rxdaemon manage`: `{ "daemons": { "<id>": service } }`;
 * any other field, at any level, is an error, and so is an `after` that
 * names no daemon of the config or closes a cycle.
 */
export const Config = strictObject('a config: { "daemons": { "<id>": { "command": … } } }', { daemons: Daemons }, {});

/**
 * Why a config cannot be used. `incomplete`: the file is missing or not
 * whole JSON, as a file being saved can be for a moment; worth reading
 * again shortly before saying so.
 */
export interface ConfigError {
  readonly message: string;
  readonly incomplete: boolean;
}

// The user's file, not one rxdaemon owns: a symlink is followed, as a
// Kubernetes ConfigMap's `config.json -> ..data/config.json` needs.
const readText = (path: string): Either<ConfigError, string> => {
  try {
    return right(readFileSync(path, 'utf8'));
  } catch (error) {
    const { code, message } = errorFields(error);
    // Between an editor's rename of the old file and of the new one, there may be none.
    // Node's "ENOENT: no such file or directory, open '…'": the reason alone, the path is ours to say.
    const reason = /^[A-Z]+: (.*?), \w+ '/.exec(message)?.[1] ?? message;
    return left({ message: `cannot read the config ${path}: ${reason}`, incomplete: code === 'ENOENT' });
  }
};

// A relative output file is the config's neighbour, wherever the manager was started.
const outputIn = (directory: string, entry: 'ignore' | { file: string }): Stdio => (entry === 'ignore' ? entry : { file: resolve(directory, entry.file) });

/** What turns a config's entries into objects that keep their identity across reads. */
interface Builders {
  readonly directory: string;
  readonly policyFor: (entry: RestartEntry) => RestartPolicy;
  readonly checksFor: CheckCache;
}

const serviceOf = (entry: ServiceEntry, { directory, policyFor, checksFor }: Builders): Service => {
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

/**
 * A reader of the config file at `path`: each call reads and decodes it
 * again; a Left says what is wrong (the line and column of a JSON error, the
 * path of a bad or unknown field). Its policies and checks are kept across
 * calls (see {@link policyCache} and {@link checkCache}): an unchanged
 * `restart`, `ready` or `health` entry gives the very same policy or check,
 * so a reload replaces only the services that changed. A relative `cwd`,
 * `{ "file" }` of `stdout`/`stderr` and `exec` command path are resolved
 * against the config's directory.
 *
 * @example
 * const read = configReader('/etc/agent/daemons.json');
 * const first = read(), again = read(); // equal entries, identical policies
 */
export const configReader = (path: string): (() => Either<ConfigError, DesiredSet>) => {
  const directory = dirname(resolve(path));
  const builders: Builders = { directory, policyFor: policyCache(), checksFor: checkCache(directory) };
  return () => {
    const text = readText(path);
    if (isLeft(text)) return text;
    const json = parseJson(text.right);
    if (isLeft(json)) return left({ message: `${path}: ${json.left}`, incomplete: true });
    const decoded = Config.decode(json.right);
    if (isLeft(decoded)) return left({ message: `invalid config ${path}: ${reportDecodeErrors(decoded.left, '(the whole config)').message}`, incomplete: false });
    return right(Object.fromEntries(Object.entries(decoded.right.daemons).map(([id, entry]) => [id, serviceOf(entry, builders)])));
  };
};
