import * as t from 'io-ts';
import { Duration, Flag, NonNegativeInteger, satisfying, SignalName } from '../validate.js';
import { TOKEN_HASH_PATTERN } from './token-hash.js';

// Linux's own limits: pid_max can be at most 2^22; an argument at most
// MAX_ARG_STRLEN (128 KiB). Bigger values cannot come from a real process.
const MAX_PID = 4_194_304;
/** The longest text (command, argument, variable, cwd, id) a snapshot holds, in UTF-16 code units. */
export const MAX_TEXT = 131_072;
/** The most arguments, and the most environment variables, a snapshot holds. */
export const MAX_ITEMS = 4_096;

/** A text a snapshot can hold: a string without NUL, at most {@link MAX_TEXT} long. */
export const isText = (input: unknown): input is string => typeof input === 'string' && input.length <= MAX_TEXT && !input.includes('\0');

/** An environment variable's name a snapshot can hold: a non-empty {@link isText} without `=`. */
export const isEnvName = (name: string): boolean => name.length > 0 && !name.includes('=') && isText(name);

// By index, not with every(): every() skips the holes of a sparse array,
// which JSON then writes as null and the decoder refuses.
const everyItem = (list: readonly unknown[], ok: (item: unknown) => boolean): boolean => {
  for (let i = 0; i < list.length; i++) if (!ok(list[i])) return false;
  return true;
};

/**
 * A plain object, as JSON makes: a Map or a class instance would pass an
 * object check with none of its entries as properties, and lose them all.
 */
export const isPlainObject = (input: unknown): input is Readonly<Record<string, unknown>> => {
  if (typeof input !== 'object' || input === null) return false;
  const prototype: unknown = Object.getPrototypeOf(input);
  return prototype === Object.prototype || prototype === null;
};

interface PidBrand {
  readonly Pid: unique symbol;
}
/** A pid that names one process: an integer > 1 (0 is "my group", 1 is init, negatives are groups). */
export type Pid = t.Branded<number, PidBrand>;
/** Decodes a {@link Pid}. A string never is one: Node's `process.kill('', 0)` is kill(0, 0). */
export const Pid = satisfying(
  `an integer between 2 and ${MAX_PID}`,
  (input): input is Pid => typeof input === 'number' && Number.isInteger(input) && input > 1 && input <= MAX_PID,
);

/** A string without NUL of at most {@link MAX_TEXT} characters: a cwd, an id, a variable's value. */
export const Text = satisfying(`a string without NUL of at most ${MAX_TEXT} characters`, isText);
/** A {@link Text} that is not empty: a command. */
export const NonEmptyText = satisfying(`a non-empty string without NUL of at most ${MAX_TEXT} characters`, (input): input is string => isText(input) && input.length > 0);
const Digits = satisfying('a string of digits', (input): input is string => typeof input === 'string' && /^\d{1,20}$/.test(input));
const BootId = satisfying('a boot id', (input): input is string => typeof input === 'string' && /^[0-9a-zA-Z-]{1,64}$/.test(input));
const TokenHash = satisfying('a token hash (hmac-sha256:<salt>:<digest>)', (input): input is string => typeof input === 'string' && TOKEN_HASH_PATTERN.test(input));
/** A command's arguments: at most {@link MAX_ITEMS} {@link Text}s. */
export const Args = satisfying(
  `an array of strings (at most ${MAX_ITEMS}, each without NUL and at most ${MAX_TEXT} characters)`,
  (input): input is string[] => Array.isArray(input) && input.length <= MAX_ITEMS && everyItem(input, isText),
);
/** A command's environment: at most {@link MAX_ITEMS} variables, each name {@link isEnvName}, each value a {@link Text}. */
export const Env = satisfying(
  `an object of strings (at most ${MAX_ITEMS} variables, names non-empty and without '=', no NUL, each at most ${MAX_TEXT} characters)`,
  (input): input is Record<string, string> => {
    if (!isPlainObject(input)) return false;
    const names = Object.keys(input);
    return names.length <= MAX_ITEMS && names.every((name) => isEnvName(name) && isText(input[name]));
  },
);

/**
 * What a snapshot records of a command, field by field. `checkCommand`
 * checks a command with these very codecs, so whatever a daemon accepts, its
 * snapshot can hold and a restore gives back unchanged (the token is not
 * recorded; only its hash).
 */
export const commandFields = { command: NonEmptyText, args: Args, env: Env, cwd: Text, id: Text } as const;

/** Where a run's output begins in each output file, in bytes (`OutputOffsets`). */
const OutputOffsets = t.exact(t.partial({ stdout: NonNegativeInteger, stderr: NonNegativeInteger }), 'an object of byte offsets ({ stdout, stderr })');

/**
 * What a snapshot records of the run and its stop, each field optional (a
 * 0.2 snapshot has none): the attempt that spawned the process, where its
 * output begins in the output files, and how it is stopped, so that a
 * supervisor without the daemon's options (a manager whose configuration
 * no longer has it, `rxdaemon shutdown` with no manager) stops it as its
 * own supervisor would have.
 */
const runFields = {
  attempt: NonNegativeInteger,
  outputStart: OutputOffsets,
  // The very rules of the options (options.ts), so a value a daemon ran with is one a record can hold.
  stopSignal: SignalName,
  gracefulStopMs: Duration,
  killProcessGroup: Flag,
} as const;

/**
 * S7: what `Daemon.snapshot()` writes and `Daemon.restore()` reads, and the
 * single source of truth for its type. `startTime` and `bootId` are null
 * where the OS does not tell them; the pid alone is then all that identifies
 * the process. The token is never stored, only a salted hash of it. The
 * {@link runFields} are optional, so a snapshot written before them still
 * decodes.
 */
export const DaemonSnapshot = t.exact(
  t.intersection([
    t.type({
      version: t.literal(1),
      pid: Pid,
      startTime: t.union([Digits, t.null], 'a string of digits or null'),
      bootId: t.union([BootId, t.null], 'a boot id or null'),
      command: commandFields.command,
      args: commandFields.args,
      env: commandFields.env,
    }),
    t.partial({ cwd: commandFields.cwd, id: commandFields.id, tokenHash: TokenHash, ...runFields }),
  ]),
  'a snapshot object',
);

/** A decoded snapshot. */
export type DaemonSnapshot = t.TypeOf<typeof DaemonSnapshot>;
