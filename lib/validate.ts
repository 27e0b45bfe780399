import { constants } from 'node:os';
import type { Signal } from './signal-name.js';

// Options are checked once, where they enter, with a message a user can act
// on. A bad option is a bug in the caller, so it throws a TypeError.

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

export const check = <T>(name: string, value: unknown, ok: (value: unknown) => value is T, expected: string): T => {
  if (!ok(value)) throw new TypeError(`Expected the \`${name}\` option to be ${expected}, got ${describe(value)}.`);
  return value;
};

/** An integer ≥ 0. */
export const isNonNegativeInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
/** An integer ≥ 1. */
export const isPositiveInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/** An integer ≥ 0 (a duration or a count). */
export const checkNonNegativeInteger = (name: string, value: unknown): number =>
  check(name, value, isNonNegativeInteger, 'a non-negative integer');

// Timers overflow past 2^31 − 1 ms and then fire at once: a longer duration is refused.
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** A duration a timer can wait: an integer in [0, {@link MAX_TIMER_MS}]. */
export const isDuration = (value: unknown): value is number => isNonNegativeInteger(value) && value <= MAX_TIMER_MS;

/** A duration in ms: an integer in [0, 2^31 − 1], the range a timer can wait. */
export const checkDuration = (name: string, value: unknown): number =>
  check(name, value, isDuration, 'an integer number of ms between 0 and 2147483647');

/** A duration in ms that is at least 1. */
export const checkPositiveDuration = (name: string, value: unknown): number =>
  check(name, value, (v): v is number => isDuration(v) && v > 0, 'an integer number of ms between 1 and 2147483647');

/** An integer ≥ 1. */
export const checkPositiveInteger = (name: string, value: unknown): number =>
  check(name, value, isPositiveInteger, 'a positive integer');

/** A finite number ≥ `min`. */
export const checkNumberAtLeast = (name: string, value: unknown, min: number): number =>
  check(name, value, (v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min, `a finite number >= ${min}`);

/** One of a fixed set of strings. */
export const checkOneOf = <T extends string>(name: string, value: unknown, allowed: readonly T[]): T =>
  check(name, value, (v): v is T => allowed.includes(v as T), `one of ${allowed.map((a) => `\`${a}\``).join(', ')}`);

const SIGNALS = Object.keys(constants.signals) as Signal[];

/** A signal name this OS knows (`SIGTERM`, `SIGQUIT`, …). */
export const isSignal = (value: unknown): value is Signal => SIGNALS.includes(value as Signal);

/** A signal name this OS knows (`SIGTERM`, `SIGQUIT`, …). */
export const checkSignal = (name: string, value: unknown): Signal => check(name, value, isSignal, 'a signal name such as `SIGTERM`');

/** A function (a check, a callback). */
export const checkFunction = <F extends (...args: never[]) => unknown>(name: string, value: F): F =>
  check(name, value, (v): v is F => typeof v === 'function', 'a function');

/** A string that is not empty. */
export const checkNonEmptyString = (name: string, value: unknown): string =>
  check(name, value, (v): v is string => typeof v === 'string' && v.length > 0, 'a non-empty string');
