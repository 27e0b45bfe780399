import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
import { UsageError } from './output.js';

/** Parses a subcommand's arguments strictly; anything unknown is a {@link UsageError}. */
export const parse = <O extends Options>(
  args: readonly string[],
  options: O,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>> => {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
};

/** A non-negative integer option, or a {@link UsageError} naming it. */
export const integerOption = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} takes a whole number of ms, got '${value}'`);
  return Number(value);
};

/** A required option, or a {@link UsageError} naming it. */
export const required = (name: string, value: string | undefined): string => {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
};
