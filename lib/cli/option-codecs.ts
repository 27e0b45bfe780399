import * as t from 'io-ts';
import { isNonNegativeInteger, satisfying } from '../validate.js';

// The rules of values that only the data forms of a config and of run's
// flags have (a port, exit codes, a word): the rest are the library's own
// (validate.ts, options.ts), so that what is accepted here is never refused
// later, where the option enters a daemon. A codec's name is what an error
// says was expected.

/** A TCP port to connect to: an integer in [1, 65535]. */
export const Port = satisfying('a port (an integer between 1 and 65535)', (input): input is number => isNonNegativeInteger(input) && input >= 1 && input <= 65_535);

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
