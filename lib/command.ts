import { commandFields, isEnvName, isPlainObject, isText, MAX_ITEMS, MAX_TEXT, Text } from './command-fields.js';

/**
 * What to run: an executable, its arguments, where, and with which extra
 * environment. A `Command` is plain data; two commands are the same daemon
 * when {@link commandEquals} says so.
 *
 * @example
 * const proxy: Command = { command: 'envoy', args: ['-c', 'envoy.yaml'], id: 'web-proxy' };
 */
export interface Command {
  /** The executable: a path, or a name looked up on `PATH`. */
  readonly command: string;
  // Each optional field takes undefined as absent (`token: process.env.PROXY_TOKEN`), under exactOptionalPropertyTypes too.
  /** `argv[1..]`. */
  readonly args?: readonly string[] | undefined;
  /** Working directory; the supervisor's own when absent. */
  readonly cwd?: string | undefined;
  /** Variables added on top of the supervisor's environment. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Given to the child as `RXDAEMON_ID`; tags every event. */
  readonly id?: string | undefined;
  /** A secret given to the child as `RXDAEMON_TOKEN`; never logged, never stored in clear. */
  readonly token?: string | undefined;
}

const sameList = (a: readonly string[] = [], b: readonly string[] = []): boolean =>
  a.length === b.length && a.every((value, i) => value === b[i]);

const sameEnv = (
  a: Readonly<Record<string, string>> = {},
  b: Readonly<Record<string, string>> = {},
): boolean => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
};

/**
 * S6: two commands describe the same daemon when command, args, cwd, env, id
 * and token are all equal. An absent list or env equals an empty one, so a
 * config that spells out `args: []` does not restart a running daemon.
 */
export const commandEquals = (a: Command, b: Command): boolean =>
  a.command === b.command &&
  sameList(a.args, b.args) &&
  a.cwd === b.cwd &&
  sameEnv(a.env, b.env) &&
  a.id === b.id &&
  a.token === b.token;

// Why a value is refused, said without quoting it: an argument, a
// variable's value or the token may be a secret, and may be 128 KiB long.
const fault = (value: unknown): string => {
  if (typeof value === 'string') {
    const nul = value.indexOf('\0');
    if (nul >= 0) return `a string with a NUL at index ${nul}`;
    return value.length > MAX_TEXT ? `a string of ${value.length} characters` : value.length === 0 ? 'an empty string' : 'a string';
  }
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
};

// The first item or variable that makes a list or an environment unfit; the
// whole when it is the count or the kind.
const listFault = (args: unknown): string => {
  if (!Array.isArray(args) || args.length > MAX_ITEMS) return fault(args);
  // findIndex, unlike every(), visits the holes of a sparse array.
  const i = args.findIndex((arg) => !isText(arg));
  return i < 0 ? fault(args) : `an array whose item ${i} is ${i in args ? fault(args[i]) : 'a hole'}`;
};

const envFault = (env: unknown): string => {
  if (!isPlainObject(env)) return fault(env);
  const names = Object.keys(env);
  if (names.length > MAX_ITEMS) return `an object of ${names.length} variables`;
  const name = names.find((key) => !isEnvName(key));
  if (name !== undefined) return `a variable named ${JSON.stringify(name.slice(0, 60))}`;
  const unfit = names.find((key) => !isText(env[key]));
  return unfit === undefined ? fault(env) : `the variable \`${unfit}\` set to ${fault(env[unfit])}`;
};

const faultOf: Record<keyof typeof commandFields, (value: unknown) => string> = {
  command: fault,
  args: listFault,
  env: envFault,
  cwd: fault,
  id: fault,
};

/**
 * Checks a command where it enters the library. It accepts exactly what a
 * snapshot can hold (the snapshot codec's own field codecs decide), so a
 * daemon that runs can always be restored after a restart. A malformed
 * command is a bug in the caller, so it throws a TypeError naming the field
 * and what is wrong with it, never quoting an argument, a value or the token.
 */
export const checkCommand = (cmd: Command): Command => {
  const fail = (field: string, expected: string, got: string): never => {
    throw new TypeError(`Expected the command's \`${field}\` to be ${expected}, got ${got}.`);
  };
  if (!isPlainObject(cmd)) fail('command', 'an object', fault(cmd));
  for (const field of Object.keys(commandFields) as (keyof typeof commandFields)[]) {
    const value: unknown = cmd[field];
    const codec = commandFields[field];
    if ((value !== undefined || field === 'command') && !codec.is(value)) fail(field, codec.name, faultOf[field](value));
  }
  // Not recorded (only its hash is), but it reaches the child as a variable's value.
  if (cmd.token !== undefined && !Text.is(cmd.token)) fail('token', Text.name, fault(cmd.token));
  return cmd;
};
