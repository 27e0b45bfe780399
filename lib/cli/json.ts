import { left, right, type Either } from 'fp-ts/lib/Either.js';

const LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;
const SPACE = /[ \t\n\r]*/y;
const WORD = /[a-z]*/y;

/**
 * Where JSON.parse failed, as an offset, when V8 does not say: it tells a
 * position only for some errors ("Unexpected token '}', … is not valid
 * JSON" has none), so the text is walked again by a validator that stops
 * where the grammar breaks.
 */
const errorOffset = (text: string): number => {
  let i = 0;
  // Always true, so that it chains in a condition.
  const skip = (): boolean => {
    SPACE.lastIndex = i;
    SPACE.test(text);
    i = SPACE.lastIndex;
    return true;
  };
  const take = (char: string): boolean => {
    if (text[i] !== char) return false;
    i++;
    return true;
  };
  const sticky = (pattern: RegExp): boolean => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) return false;
    i = pattern.lastIndex;
    return true;
  };
  const string = (): boolean => {
    if (!take('"')) return false;
    for (;;) {
      const char = text.charAt(i);
      if (char === '"') return take('"');
      if (char === '' || char < ' ') return false;
      if (char !== '\\') i++;
      else if (!sticky(ESCAPE)) return false;
    }
  };
  const members = (close: string, member: () => boolean): boolean => {
    i++;
    skip();
    if (take(close)) return true;
    for (;;) {
      if (!(member() && skip())) return false;
      if (take(close)) return true;
      if (!(take(',') && skip())) return false;
    }
  };
  const value = (): boolean => {
    skip();
    const char = text.charAt(i);
    if (char === '{') return members('}', () => string() && skip() && take(':') && value());
    if (char === '[') return members(']', value);
    if (char === '"') return string();
    if (sticky(LITERAL)) return true;
    // Past a cut-off word (`tru`): V8 reports the character after it.
    WORD.lastIndex = i;
    WORD.test(text);
    if (['true', 'false', 'null'].some((word) => word.startsWith(text.slice(i, WORD.lastIndex)))) i = WORD.lastIndex;
    return false;
  };
  try {
    if (value() && skip() && i === text.length) return text.length;
  } catch {
    // Nested deeper than the stack: say where the walk got to.
  }
  return i;
};

/** Line and column (both from 1) of an offset. */
const lineAndColumn = (text: string, offset: number): { line: number; column: number } => {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
};

/**
 * Parses JSON; a Left says where it breaks, by line and column, and what
 * was found there: `invalid JSON at line 3, column 5: Expected ',' or '}' after property value`.
 *
 * @example
 * parseJson('{ "a": }'); // Left: invalid JSON at line 1, column 8: Unexpected token '}'
 */
export const parseJson = (text: string): Either<string, unknown> => {
  try {
    return right(JSON.parse(text));
  } catch (error) {
    const { message } = error as Error;
    const position = / at position (\d+)/.exec(message)?.[1];
    const { line, column } = lineAndColumn(text, position === undefined ? errorOffset(text) : Number(position));
    // V8's own words, without its offset and its quote of the text (which a token could be part of).
    const reason = message.replace(/ at position \d+.*$/s, '').replace(/ in JSON$/, '').replace(/, ".*" is not valid JSON$/s, '');
    return left(`invalid JSON at line ${line}, column ${column}: ${reason}`);
  }
};
