import { left, right, type Either } from 'fp-ts/lib/Either.js';

const parses = (text: string): Either<string, unknown> => {
  try {
    return right(JSON.parse(text));
  } catch (error) {
    return left(error instanceof Error ? error.message : String(error));
  }
};

const UNEXPECTED_TOKEN = /^Unexpected token /;

/**
 * Where JSON.parse stopped, from its own message: "… in JSON at position N"
 * for most errors; the end of the text for "Unexpected end of JSON input".
 * An unexpected token is said without a position, so JSON.parse is asked
 * again, of beginnings of the text (a binary search): a beginning that stops
 * before the token is sound as far as it goes and fails, if at all, at its
 * end; the shortest one that fails on a token ends with that token.
 */
const offsetOf = (text: string, message: string): number => {
  const position = / at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return Number(position);
  if (!UNEXPECTED_TOKEN.test(message)) return text.length;
  let [sound, failing] = [0, text.length];
  while (failing - sound > 1) {
    const middle = Math.floor((sound + failing) / 2);
    const parsed = parses(text.slice(0, middle));
    if (parsed._tag === 'Left' && UNEXPECTED_TOKEN.test(parsed.left)) failing = middle;
    else sound = middle;
  }
  return failing - 1;
};

/** Line and column (both from 1) of an offset. */
const lineAndColumn = (text: string, offset: number): { line: number; column: number } => {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
};

/**
 * Parses JSON; a Left says where it breaks, by line and column, and what
 * was found there, in V8's words: `invalid JSON at line 3, column 5: Expected ',' or '}' after property value`.
 *
 * @example
 * parseJson('{ "a": }'); // Left: invalid JSON at line 1, column 8: Unexpected token '}'
 */
export const parseJson = (text: string): Either<string, unknown> => {
  const parsed = parses(text);
  if (parsed._tag === 'Right') return parsed;
  const message = parsed.left;
  const { line, column } = lineAndColumn(text, offsetOf(text, message));
  // Without V8's offset (and Node 22's line and column) and its quote of the text, which a token could be part of.
  const reason = message.replace(/ (?:in JSON )?at position \d+.*$/s, '').replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
  return left(`invalid JSON at line ${line}, column ${column}: ${reason}`);
};
