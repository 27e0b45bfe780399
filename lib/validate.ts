import { constants } from 'node:os';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Signal } from './signal-name.js';

// Options are checked once, where they enter, with a message a user can act
// on. Each rule is an io-ts codec whose name says what it expects: the
// library checks an option with it (a bad option is a bug in the caller, so
// it throws a TypeError), and the command line decodes a config's field
// with the same codec (a refusal, naming the field), so both accept the same
// values and say the same words.

/**
 * A codec for values that satisfy a guard; its name is what an error says was expected.
 *
 * @example
 * const Even = satisfying('an even integer', (input): input is number => Number.isInteger(input) && (input as number) % 2 === 0);
 */
export const satisfying = <A>(expected: string, guard: (input: unknown) => input is A): t.Type<A, A> =>
  new t.Type<A, A, unknown>(expected, guard, (input, context) => (guard(input) ? t.success(input) : t.failure(input, context)), t.identity);

const describe = (value: unknown): string => {
  let shown: string;
  try {
    // JSON.stringify has no text for undefined, functions and symbols.
    shown =
      typeof value === 'string' ? value
      : typeof value === 'bigint' ? `${value}n`
      : value === undefined || typeof value === 'function' || typeof value === 'symbol' ? typeof value
      : JSON.stringify(value);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  return `\`${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}\` (${value === null ? 'null' : typeof value})`;
};

/**
 * `value`, when `rule` accepts it; else a TypeError in execa's words, naming
 * the option and what its rule expects: ``Expected the `gracefulStopMs`
 * option to be an integer number of ms between 0 and 2147483647, got `-1` (number).``
 *
 * @example
 * const grace = check('gracefulStopMs', options.gracefulStopMs ?? 5_000, Duration);
 */
export const check = <A>(name: string, value: unknown, rule: t.Type<A, A>): A => {
  if (!rule.is(value)) throw new TypeError(`Expected the \`${name}\` option to be ${rule.name}, got ${describe(value)}.`);
  return value;
};

/** An integer ≥ 0. */
export const isNonNegativeInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
/** An integer ≥ 1. */
export const isPositiveInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

// Timers overflow past 2^31 − 1 ms and then fire at once: a longer duration is refused.
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** A duration a timer can wait: an integer in [0, {@link MAX_TIMER_MS}]. */
export const isDuration = (value: unknown): value is number => isNonNegativeInteger(value) && value <= MAX_TIMER_MS;

const SIGNALS = Object.keys(constants.signals) as Signal[];

/** A signal name this OS knows (`SIGTERM`, `SIGQUIT`, …). */
export const isSignal = (value: unknown): value is Signal => SIGNALS.includes(value as Signal);

/** An integer ≥ 0: a uid, a gid, a count that may be none. */
export const NonNegativeInteger = satisfying('a non-negative integer', isNonNegativeInteger);

/** An integer ≥ 1: a count. */
export const PositiveInteger = satisfying('a positive integer', isPositiveInteger);

/** A duration in ms that a timer can wait: an integer in [0, 2^31 − 1]. */
export const Duration = satisfying(`an integer number of ms between 0 and ${MAX_TIMER_MS}`, isDuration);

/** A {@link Duration} of at least 1 ms: an interval, a timeout. */
export const PositiveDuration = satisfying(`an integer number of ms between 1 and ${MAX_TIMER_MS}`, (value): value is number => isDuration(value) && value > 0);

/** A signal name this OS knows, as a daemon is stopped with it: `SIGTERM`, `SIGQUIT`, … */
export const SignalName = satisfying("a signal name such as 'SIGTERM'", isSignal);

/** true or false. */
export const Flag = satisfying('true or false', (value): value is boolean => typeof value === 'boolean');

/** A string that is not empty: a path, a name. */
export const NonEmptyString = satisfying('a non-empty string', (value): value is string => typeof value === 'string' && value.length > 0);

/** A finite number ≥ 1: a growth factor. */
export const Factor = satisfying('a finite number >= 1', (value): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 1);

/** An absolute path: a cgroup's directory. */
export const AbsolutePath = satisfying('an absolute path', (value): value is string => typeof value === 'string' && value.startsWith('/'));

/** A share of cores, as `cpu.max` takes it: a finite number of at least 0.01 (the kernel's 1 ms quota of each 100 ms). */
export const CoreShare = satisfying('a finite number of cores >= 0.01', (value): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0.01);

/** An integer ≥ 0 (a duration or a count). */
export const checkNonNegativeInteger = (name: string, value: unknown): number => check(name, value, NonNegativeInteger);

/** A duration in ms: an integer in [0, 2^31 − 1], the range a timer can wait. */
export const checkDuration = (name: string, value: unknown): number => check(name, value, Duration);

/** A duration in ms that is at least 1. */
export const checkPositiveDuration = (name: string, value: unknown): number => check(name, value, PositiveDuration);

/** An integer ≥ 1. */
export const checkPositiveInteger = (name: string, value: unknown): number => check(name, value, PositiveInteger);

/** One of a fixed set of strings. */
export const checkOneOf = <T extends string>(name: string, value: unknown, allowed: readonly T[]): T =>
  check(name, value, satisfying(`one of ${allowed.map((a) => `\`${a}\``).join(', ')}`, (v): v is T => allowed.includes(v as T)));

/** A function (a check, a callback). */
export const checkFunction = <F extends (...args: never[]) => unknown>(name: string, value: F): F =>
  check(name, value, satisfying('a function', (v): v is F => typeof v === 'function'));

/** A string that is not empty. */
export const checkNonEmptyString = (name: string, value: unknown): string => check(name, value, NonEmptyString);

/**
 * The checks `checking` makes, as a refusal: a Left with the message of the
 * TypeError one of them throws. For input the library refuses rather than
 * a caller's bug: an entry of a manager's desired set, where one bad entry
 * is reported and skipped while the rest runs. Any other exception is a
 * bug, and goes on.
 *
 * @example
 * refusalOf(() => checkDuration('gracefulStopMs', -1)); // Left: Expected the `gracefulStopMs` option to be …
 */
export const refusalOf = <A>(checking: () => A): Either<string, A> => {
  try {
    return right(checking());
  } catch (error) {
    if (error instanceof TypeError) return left(error.message);
    throw error;
  }
};
