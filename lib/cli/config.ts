import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { errorFields } from '../events.js';
import { afterFaults } from '../manager/order.js';
import { SERVICE_RULES, type DesiredSet } from '../manager/service.js';
import { reportDecodeErrors } from '../snapshot/decode-errors.js';
import { parseJson } from './json.js';
import { reloadStableChecks } from './reload-stable-checks.js';
import { reloadStablePolicies } from './reload-stable-policies.js';
import { DefaultsEntry, serviceOf, ServiceEntry, withDefaults, type Builders } from './service-entry.js';
import { closestName, strictObject } from './strict-codec.js';

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
  return { value: entry?.after, context: [...context, { key: id, type: ServiceEntry, actual: entry }, { key: 'after', type: SERVICE_RULES.after, actual: entry?.after }], message };
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

const ConfigFields = strictObject('a config: { "defaults"?: { …options }, "daemons": { "<id>": { "command": … } } }', { daemons: Daemons }, { defaults: DefaultsEntry });

// A default that cannot work with an entry's own options (an output check of a stream the entry ignores) is refused
// at the entry, saying which field the defaults gave.
const mergedError = (own: ServiceEntry, at: number) => (error: t.ValidationError): t.ValidationError => {
  const field = error.context[at]?.key;
  return field !== undefined && !Object.hasOwn(own, field) ? { ...error, message: `${error.message ?? 'invalid'} (\`${field}\` from \`defaults\`)` } : error;
};

/**
 * The config file of `rxdaemon manage`: `{ "defaults"?: options,
 * "daemons": { "<id>": service } }`, decoded to its daemons, each with the
 * defaults under its own options (see {@link withDefaults}); any other
 * field, at any level, is an error, and so is an `after` that names no
 * daemon of the config or closes a cycle.
 */
export const Config = new t.Type<{ readonly daemons: Entries }, { readonly daemons: Entries }, unknown>(
  ConfigFields.name,
  (input): input is { readonly daemons: Entries } => ConfigFields.is(input) && !('defaults' in input),
  (input, context) => {
    const fields = ConfigFields.validate(input, context);
    if (isLeft(fields)) return fields;
    const { daemons, defaults } = fields.right;
    const merged: Record<string, ServiceEntry> = {};
    const errors: t.ValidationError[] = [];
    for (const [id, own] of Object.entries(daemons)) {
      const at: t.Context = [...context, { key: 'daemons', type: Daemons, actual: daemons }, { key: id, type: ServiceEntry, actual: own }];
      const entry = ServiceEntry.validate(withDefaults(own, defaults), at);
      if (isLeft(entry)) errors.push(...entry.left.map(mergedError(own, at.length)));
      else merged[id] = entry.right;
    }
    return errors.length === 0 ? t.success({ daemons: merged }) : t.failures(errors);
  },
  t.identity,
);

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

/**
 * A reader of the config file at `path`: each call reads and decodes it
 * again; a Left says what is wrong (the line and column of a JSON error, the
 * path of a bad or unknown field). Its policies and checks are kept across
 * calls (see {@link reloadStablePolicies} and {@link reloadStableChecks}): an unchanged
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
  const builders: Builders = { directory, policyFor: reloadStablePolicies(), checksFor: reloadStableChecks(directory) };
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
