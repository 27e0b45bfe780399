import * as t from 'io-ts';

// Members of unions and intersections appear in an error's path as indices
// ('0', '1'); a user thinks of the field, not of the codec's structure. An
// exact codec passes its own place in the path on to what it wraps: it is
// structural when that is (the snapshot's intersection), and an object of
// fields when that is one (a nested `outputStart`).
const isStructural = (type: t.Decoder<unknown, unknown>): boolean =>
  type instanceof t.UnionType || type instanceof t.IntersectionType || (type instanceof t.ExactType && isStructural(type.type as t.Decoder<unknown, unknown>));

const show = (value: unknown): string => {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return value.length > 40 ? `'${value.slice(0, 37)}...' (${value.length} characters)` : `'${value}'`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
};

const describe = (error: t.ValidationError, whole: string): { field: string; message: string } => {
  const context = error.context;
  const keys: string[] = [];
  let expected = context.at(-1)?.type.name ?? 'a value';
  context.forEach((entry, i) => {
    const parent = context[i - 1];
    if (parent === undefined) return;
    if (parent.type instanceof t.UnionType) {
      // The union's own name says everything it accepts.
      expected = parent.type.name;
      return;
    }
    // An empty key names no field: a codec that wraps another under itself.
    if (!isStructural(parent.type) && entry.key !== '') keys.push(entry.key);
  });
  const field = keys.join('.') || whole;
  // A codec that knows better than "expected X" says so itself (an unknown field and the name meant).
  if (error.message !== undefined) return { field, message: `\`${field}\`: ${error.message}` };
  return { field, message: `\`${field}\`: expected ${expected}, got ${show(error.value)}` };
};

/**
 * The first bad field of a failed decode, and a message naming every bad
 * field (up to three). `whole` names the input itself, for an error at the top.
 */
export const reportDecodeErrors = (errors: t.Errors, whole = '(the whole snapshot)'): { field: string; message: string } => {
  const described = errors.map((error) => describe(error, whole));
  const unique = described.filter((entry, i) => described.findIndex((other) => other.field === entry.field) === i);
  const first = unique[0] ?? { field: whole, message: `invalid ${whole}` };
  const more = unique.length > 3 ? `; and ${unique.length - 3} more` : '';
  return { field: first.field, message: unique.slice(0, 3).map((entry) => entry.message).join('; ') + more };
};
