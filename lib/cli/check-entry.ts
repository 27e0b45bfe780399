import { resolve } from 'node:path';
import * as t from 'io-ts';
import type { Check } from '../checks/check.js';
import { exec } from '../checks/exec.js';
import { http } from '../checks/http.js';
import { output } from '../checks/output.js';
import { tcp } from '../checks/tcp.js';
import { HEALTH_RULES, READY_RULES } from '../options.js';
import { Args, NonEmptyText } from '../command-fields.js';
import { satisfying } from '../validate.js';
import { HttpUrl } from '../checks/http.js';
import { oneOf, Port } from './option-codecs.js';
import { strictObject } from './strict-codec.js';

// A service's `ready` or `health` as data: one built-in check, named by
// its field (`{ "http": URL }`, `{ "tcp": PORT }`, `{ "exec": [CMD, …] }`,
// `{ "output": REGEX }`), with that check's own fields and the timing
// fields of `ready` or `health`.

/** Statuses an http check accepts instead of 2xx: at least one, each a status a server can answer. */
const StatusCodes = satisfying(
  'an array of HTTP status codes (integers between 100 and 599), at least one',
  (input): input is number[] => Array.isArray(input) && input.length > 0 && input.every((code) => Number.isInteger(code) && (code as number) >= 100 && (code as number) <= 599),
);

/** What a command line of exec holds: the command, then its arguments. */
const CommandLine = satisfying(
  'a command and its arguments: an array of strings, the first not empty',
  (input): input is [string, ...string[]] => Args.is(input) && input.length > 0 && input[0] !== '',
);

// The engine's own words for why a pattern does not compile: "Invalid regular expression: /(/: Unterminated group".
const compileError = (source: string): string | undefined => {
  try {
    new RegExp(source);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

/** A regular expression's source, as JSON holds it (`"listening on \\d+"`), that compiles; one that does not says why. */
const Pattern = new t.Type<string, string, unknown>(
  'a regular expression (a string)',
  (input): input is string => typeof input === 'string' && compileError(input) === undefined,
  (input, context) => {
    if (typeof input !== 'string') return t.failure(input, context);
    const error = compileError(input);
    return error === undefined ? t.success(input) : t.failure(input, context, `does not compile as a regular expression: ${error}`);
  },
  t.identity,
);

/** The URL of an http check as JSON holds it: a string, by the rule of `checks.http`. */
const HttpUrlText = satisfying(HttpUrl.name, (input): input is string => typeof input === 'string' && HttpUrl.is(input));

// Each kind: the field that names it and what it checks, and the fields only it takes.
const KIND = { http: HttpUrlText, tcp: Port, exec: CommandLine, output: Pattern };
const OWN = { http: { expectStatus: StatusCodes }, tcp: { host: NonEmptyText }, exec: {}, output: { stream: oneOf(['stdout', 'stderr']) } };
type Kind = keyof typeof KIND;
const KINDS = Object.keys(KIND) as Kind[];
const KINDS_SAID = '`http`, `tcp`, `exec` or `output`';

// The timing fields of each role: the rules of `ready` and `health` themselves (options.ts).
const TIMING = { ready: READY_RULES, health: HEALTH_RULES };
type Role = keyof typeof TIMING;

const codecsOf = <T extends t.Props>(role: Role, timing: T) => ({
  http: strictObject(`a ${role} check: { "http": URL, "expectStatus"?, … }`, { http: KIND.http }, { ...OWN.http, ...timing }),
  tcp: strictObject(`a ${role} check: { "tcp": port, "host"?, … }`, { tcp: KIND.tcp }, { ...OWN.tcp, ...timing }),
  exec: strictObject(`a ${role} check: { "exec": [command, ...args], … }`, { exec: KIND.exec }, { ...OWN.exec, ...timing }),
  output: strictObject(`a ${role} check: { "output": regex, "stream"?, … }`, { output: KIND.output }, { ...OWN.output, ...timing }),
});

// Where a field a kind or role does not take belongs, when it belongs somewhere: said rather than "unknown".
const ownersOf = (role: Role, kind: Kind): ReadonlyMap<string, string> => {
  const owners = new Map<string, string>();
  for (const other of KINDS.filter((name) => name !== kind)) {
    for (const field of Object.keys(OWN[other])) owners.set(field, `a field of the \`${other}\` check, not of \`${kind}\``);
  }
  const otherRole: Role = role === 'ready' ? 'health' : 'ready';
  for (const field of Object.keys(TIMING[otherRole])) {
    if (!Object.hasOwn(TIMING[role], field)) owners.set(field, `a field of \`${otherRole}\`, not of \`${role}\``);
  }
  return owners;
};

const misplaced = (owners: ReadonlyMap<string, string>, input: Readonly<Record<string, unknown>>, context: t.Context): t.Errors =>
  Object.keys(input).flatMap((key) => {
    const message = owners.get(key);
    return message === undefined ? [] : [{ value: input[key], context: t.appendContext(context, key, t.never, input[key]), message }];
  });

const entryCodec = <C extends Record<Kind, t.Mixed>>(role: Role, codecs: C): t.Type<t.TypeOf<C[Kind]>, t.TypeOf<C[Kind]>> => {
  // Every field any kind takes, optional: a misspelt kind (`"htpp"`) is then an unknown field named with the closest one.
  const anyKind = strictObject(`a ${role} check`, {}, { ...KIND, ...OWN.http, ...OWN.tcp, ...OWN.output, ...TIMING[role] });
  return new t.Type<t.TypeOf<C[Kind]>, t.TypeOf<C[Kind]>>(
    `a ${role} check: { "http": URL } | { "tcp": port } | { "exec": [command, ...args] } | { "output": regex }, with its timing`,
    (input): input is t.TypeOf<C[Kind]> => KINDS.some((kind) => codecs[kind].is(input)),
    (input, context) => {
      if (!t.UnknownRecord.is(input)) return t.failure(input, context);
      const given = KINDS.filter((kind) => Object.hasOwn(input, kind));
      const [kind] = given;
      if (given.length > 1) return t.failure(input, context, `${given.map((name) => `\`${name}\``).join(' and ')} given: an entry is exactly one check, ${KINDS_SAID}`);
      if (kind === undefined) {
        const fields = anyKind.validate(input, context);
        return fields._tag === 'Left' ? fields : t.failure(input, context, `names no check: give exactly one of ${KINDS_SAID}`);
      }
      const errors = misplaced(ownersOf(role, kind), input, context);
      return errors.length > 0 ? t.failures(errors) : codecs[kind].validate(input, context);
    },
    t.identity,
  );
};

/**
 * A service's `ready` in a config: one check, `{ "http": URL, "expectStatus"?: [status, …] }`,
 * `{ "tcp": PORT, "host"? }`, `{ "exec": [CMD, …ARGS] }` or `{ "output": REGEX, "stream"? }`,
 * with `intervalMs`, `timeoutMs` and `attemptTimeoutMs`. No check, or two,
 * is an error; so is a field it does not take, named with the closest known
 * one (or where it belongs: `host` is tcp's), and a regex that does not
 * compile, with the engine's reason.
 */
export const ReadyEntry = entryCodec('ready', codecsOf('ready', TIMING.ready));
/** A decoded `ready` entry. */
export type ReadyEntry = t.TypeOf<typeof ReadyEntry>;

/** A service's `health` in a config: a check as {@link ReadyEntry} has it, with `intervalMs`, `timeoutMs` and `failures`. */
export const HealthEntry = entryCodec('health', codecsOf('health', TIMING.health));
/** A decoded `health` entry. */
export type HealthEntry = t.TypeOf<typeof HealthEntry>;

/** The check of an entry alone, without its timing: what makes two entries the same check. */
export type CheckKind = { readonly http: string; readonly expectStatus?: readonly number[] } | { readonly tcp: number; readonly host?: string } | { readonly exec: readonly [string, ...string[]] } | { readonly output: string; readonly stream?: 'stdout' | 'stderr' };

/** The check part of a `ready` or `health` entry: its kind's fields, not its timing. */
export const kindOf = (entry: ReadyEntry | HealthEntry): CheckKind => {
  if ('http' in entry) return { http: entry.http, expectStatus: entry.expectStatus };
  if ('tcp' in entry) return { tcp: entry.tcp, host: entry.host };
  if ('exec' in entry) return { exec: entry.exec };
  return { output: entry.output, stream: entry.stream };
};

/**
 * The built-in check an entry names. A relative command of `exec` that
 * holds a `/` (`./check-db.sh`) is resolved against `directory`, the
 * config's, as its output files are; a bare name is looked up in the PATH.
 * A new function at every call: see `reloadStableChecks` for one per entry.
 *
 * @example
 * checkOf({ http: 'http://127.0.0.1:8080/healthz', expectStatus: [200, 204] }, '/etc/agent');
 */
export const checkOf = (kind: CheckKind, directory: string): Check => {
  if ('http' in kind) {
    const codes = kind.expectStatus;
    return http(kind.http, codes === undefined ? {} : { expectStatus: (status) => codes.includes(status) });
  }
  if ('tcp' in kind) return tcp(kind.tcp, kind.host);
  if ('exec' in kind) {
    const [command, ...args] = kind.exec;
    return exec(command.includes('/') ? resolve(directory, command) : command, args);
  }
  return output(new RegExp(kind.output), kind.stream);
};
