import * as t from 'io-ts';
import { TOKEN_HASH_PATTERN } from './token-hash.js';

/** A codec for values that satisfy a guard; its name is what an error says was expected. */
const satisfying = <A>(expected: string, guard: (input: unknown) => input is A): t.Type<A, A> =>
  new t.Type<A, A, unknown>(expected, guard, (input, context) => (guard(input) ? t.success(input) : t.failure(input, context)), t.identity);

const noNul = (text: string): boolean => !text.includes('\0');

// Linux's own limits: pid_max can be at most 2^22; an argument at most
// MAX_ARG_STRLEN (128 KiB). Bigger values cannot come from a real process.
const MAX_PID = 4_194_304;
const MAX_TEXT = 131_072;
const MAX_ITEMS = 4_096;

const isText = (input: unknown): input is string => typeof input === 'string' && input.length <= MAX_TEXT && noNul(input);

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

const Text = satisfying(`a string without NUL of at most ${MAX_TEXT} characters`, isText);
const NonEmptyText = satisfying(`a non-empty string without NUL of at most ${MAX_TEXT} characters`, (input): input is string => isText(input) && input.length > 0);
const Digits = satisfying('a string of digits', (input): input is string => typeof input === 'string' && /^\d{1,20}$/.test(input));
const BootId = satisfying('a boot id', (input): input is string => typeof input === 'string' && /^[0-9a-zA-Z-]{1,64}$/.test(input));
const TokenHash = satisfying('a token hash (hmac-sha256:<salt>:<digest>)', (input): input is string => typeof input === 'string' && TOKEN_HASH_PATTERN.test(input));
const Args = satisfying(
  `an array of at most ${MAX_ITEMS} strings without NUL`,
  (input): input is string[] => Array.isArray(input) && input.length <= MAX_ITEMS && input.every(isText),
);
const Env = satisfying(
  `an object of at most ${MAX_ITEMS} string variables, names without '=' or NUL`,
  (input): input is Record<string, string> =>
    typeof input === 'object' &&
    input !== null &&
    !Array.isArray(input) &&
    Object.keys(input).length <= MAX_ITEMS &&
    Object.entries(input).every(([name, value]) => name.length > 0 && !name.includes('=') && isText(name) && isText(value)),
);

/**
 * S7: what `Daemon.snapshot()` writes and `Daemon.restore()` reads, and the
 * single source of truth for its type. `startTime` and `bootId` are null
 * where the OS does not tell them; the pid alone is then all that identifies
 * the process. The token is never stored, only a salted hash of it.
 */
export const DaemonSnapshot = t.exact(
  t.intersection([
    t.type({
      version: t.literal(1),
      pid: Pid,
      startTime: t.union([Digits, t.null], 'a string of digits or null'),
      bootId: t.union([BootId, t.null], 'a boot id or null'),
      command: NonEmptyText,
      args: Args,
      env: Env,
    }),
    t.partial({ cwd: Text, id: Text, tokenHash: TokenHash }),
  ]),
  'a snapshot object',
);

/** A decoded snapshot. */
export type DaemonSnapshot = t.TypeOf<typeof DaemonSnapshot>;
