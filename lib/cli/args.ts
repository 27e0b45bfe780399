import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isLeft } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { UsageError } from './output.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses a subcommand's arguments strictly; anything unknown is a {@link UsageError}. */
export const parse = <O extends Options>(
  args: readonly string[],
  options: O,
  allowPositionals = false,
  // node's types give never[] for positionals unless allowPositionals is the literal true.
): Omit<ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true }>>, 'positionals'> & { positionals: string[] } => {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
};

/**
 * The value of `--name`, decoded by the codec a config file uses for the
 * same option (a run of digits is a number, anything else a word), so a flag
 * and a config field accept the same values. A {@link UsageError} names the
 * flag and what it takes.
 *
 * @example
 * optionValue('grace', '250', OPTION_RULES.gracefulStopMs); // 250
 * optionValue('grace', 'soon', OPTION_RULES.gracefulStopMs); // UsageError: --grace takes an integer number of ms between 0 and 2147483647, got 'soon'
 */
export const optionValue = <A>(name: string, value: string, codec: t.Type<A, unknown>): A => {
  const decoded = codec.decode(/^\d+$/.test(value) ? Number(value) : value);
  if (isLeft(decoded)) throw new UsageError(`--${name} takes ${codec.name}, got '${value}'`);
  return decoded.right;
};

/** A required option, or a {@link UsageError} naming it. */
export const required = (name: string, value: string | undefined): string => {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
};
