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
  /** `argv[1..]`. */
  readonly args?: readonly string[];
  /** Working directory; the supervisor's own when absent. */
  readonly cwd?: string;
  /** Variables added on top of the supervisor's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Given to the child as `RXDAEMON_ID`; tags every event. */
  readonly id?: string;
  /** A secret given to the child as `RXDAEMON_TOKEN`; never logged, never stored in clear. */
  readonly token?: string;
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

const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');

/**
 * Checks a command where it enters the library. A malformed command is a bug
 * in the caller, so it throws a TypeError naming the field.
 */
export const checkCommand = (cmd: Command): Command => {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new TypeError(`Expected the command's \`${field}\` to be ${expected}, got \`${String(got)}\` (${typeof got}).`);
  };
  if (typeof cmd !== 'object' || (cmd as unknown) === null) fail('command', 'an object', cmd);
  if (typeof cmd.command !== 'string' || cmd.command.length === 0 || cmd.command.includes('\0')) {
    fail('command', 'a non-empty string', cmd.command);
  }
  if (cmd.args !== undefined && !(Array.isArray(cmd.args) && cmd.args.every((arg) => typeof arg === 'string'))) {
    fail('args', 'an array of strings', cmd.args);
  }
  if (cmd.cwd !== undefined && typeof cmd.cwd !== 'string') fail('cwd', 'a string', cmd.cwd);
  if (cmd.env !== undefined && !isStringRecord(cmd.env)) fail('env', 'an object of strings', cmd.env);
  if (cmd.id !== undefined && typeof cmd.id !== 'string') fail('id', 'a string', cmd.id);
  // The token's value is never echoed, even in an error.
  if (cmd.token !== undefined && typeof cmd.token !== 'string') fail('token', 'a string', typeof cmd.token);
  return cmd;
};
