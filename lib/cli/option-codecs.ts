import * as t from 'io-ts';
import { satisfying } from '../snapshot/codec.js';
import { isDuration, isNonNegativeInteger, isPositiveInteger, isSignal, MAX_TIMER_MS } from '../validate.js';

// The values of options as a user writes them, in a config file or on the
// command line. The rules are the library's own (validate.ts, the policies):
// what is accepted here is never refused later, where the option enters a
// daemon, so a config that decodes can run. A codec's name is what an error
// says was expected.

/** A duration in ms that a timer can wait: an integer in [0, 2^31 − 1]. */
export const Duration = satisfying(`an integer number of ms between 0 and ${MAX_TIMER_MS}`, isDuration);

/** A {@link Duration} of at least 1 ms. */
export const PositiveDuration = satisfying(`an integer number of ms between 1 and ${MAX_TIMER_MS}`, (input): input is number => Duration.is(input) && input > 0);

/** An integer ≥ 0: a uid, a gid, a count that may be none. */
export const NonNegativeInteger = satisfying('a non-negative integer', isNonNegativeInteger);

/** An integer ≥ 1: a count. */
export const PositiveInteger = satisfying('a positive integer', isPositiveInteger);

/** A TCP port to connect to: an integer in [1, 65535]. */
export const Port = satisfying('a port (an integer between 1 and 65535)', (input): input is number => isNonNegativeInteger(input) && input >= 1 && input <= 65_535);

/** An http: or https: URL, as `checks.http` takes it. */
export const HttpUrl = satisfying('an http: or https: URL', (input): input is string => typeof input === 'string' && URL.canParse(input) && ['http:', 'https:'].includes(new URL(input).protocol));

/** A finite number ≥ 1: a growth factor. */
export const Factor = satisfying('a finite number >= 1', (input): input is number => typeof input === 'number' && Number.isFinite(input) && input >= 1);

/** true or false. */
export const Flag = satisfying('true or false', (input): input is boolean => typeof input === 'boolean');

/** A signal name this OS knows, as the library takes it: `SIGTERM`, `SIGQUIT`, … */
export const Signal = satisfying("a signal name such as 'SIGTERM'", isSignal);

/** Exit codes, each an integer in [0, 255]: a code outside it is never an exit status. */
export const ExitCodes = satisfying(
  'an array of exit codes (integers between 0 and 255)',
  (input): input is number[] => Array.isArray(input) && input.every((code) => isNonNegativeInteger(code) && code <= 255),
);

/**
 * One of a fixed set of words, named by them: `oneOf(['always', 'never'])`
 * is expected to be "'always' or 'never'".
 */
export const oneOf = <W extends string>(words: readonly [W, ...W[]]): t.Type<W, W> => {
  const quoted = words.map((word) => `'${word}'`);
  const expected = quoted.length === 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1) ?? ''}`;
  return satisfying(expected, (input): input is W => words.includes(input as W));
};
