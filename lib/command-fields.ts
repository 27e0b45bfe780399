import { satisfying } from './validate.js';

// The codecs of a command's fields: its text, arguments and environment.
// Below everything, so a command is checked where it enters (command.ts)
// with the very codecs a snapshot decodes it with (snapshot/codec.ts).

// Linux's own limit: an argument is at most MAX_ARG_STRLEN (128 KiB). A bigger one cannot come from a real process.
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

/** A string without NUL of at most {@link MAX_TEXT} characters: a cwd, an id, a variable's value. */
export const Text = satisfying(`a string without NUL of at most ${MAX_TEXT} characters`, isText);
/** A {@link Text} that is not empty: a command. */
export const NonEmptyText = satisfying(`a non-empty string without NUL of at most ${MAX_TEXT} characters`, (input): input is string => isText(input) && input.length > 0);
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
