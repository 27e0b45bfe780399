import * as t from 'io-ts';

// A user's JSON (the config of `rxdaemon manage`) is decoded strictly: a
// field we do not know is a mistake (`"arg"` for `"args"`), and dropping it
// would run something else than what the user wrote, without a word.

/** Damerau–Levenshtein distance (with adjacent swaps), small strings only. */
const distance = (a: string, b: string): number => {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      const row = rows[i];
      if (row !== undefined) row[j] = best;
    }
  }
  return at(a.length, b.length);
};

/**
 * The known name closest to `name`, when one is close enough to be what was
 * meant: the same but for case, or at most 2 edits away (1 for names of up
 * to 4 letters), and never a name as far from it as it is long.
 *
 * @example
 * closestName('arg', ['command', 'args', 'cwd']); // 'args'
 */
export const closestName = (name: string, known: readonly string[]): string | undefined => {
  const lower = name.toLowerCase();
  const sameButCase = known.find((candidate) => candidate.toLowerCase() === lower);
  if (sameButCase !== undefined) return sameButCase;
  const limit = Math.min(name.length <= 4 ? 1 : 2, name.length - 1);
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase());
    if (d <= limit && (best === undefined || d < best.distance)) best = { name: candidate, distance: d };
  }
  return best?.name;
};

/** The message of an unknown field: the closest known name, or the whole list. */
const unknownField = (name: string, known: readonly string[]): string => {
  const closest = closestName(name, known);
  return closest === undefined ? `unknown field (known: ${known.join(', ')})` : `unknown field; did you mean \`${closest}\`?`;
};

/**
 * An object codec that refuses every field it does not know, at any depth
 * it is used: each unknown field is an error at its own path (so a report
 * says where it is) whose message names the closest known field. Known
 * fields decode as with `t.type` (required) and `t.partial` (optional).
 *
 * @example
 * const Service = strictObject('a daemon', { command: t.string }, { args: t.array(t.string) });
 * Service.decode({ command: 'x', arg: [] }); // Left: `arg`: unknown field; did you mean `args`?
 */
export const strictObject = <R extends t.Props, O extends t.Props>(
  name: string,
  required: R,
  optional: O,
): t.Type<t.TypeOf<t.TypeC<R>> & t.TypeOf<t.PartialC<O>>, unknown> => {
  const known = [...Object.keys(required), ...Object.keys(optional)];
  const fields = t.intersection([t.type(required), t.partial(optional)]);
  return new t.Type(
    name,
    (input): input is t.TypeOf<typeof fields> => fields.is(input) && Object.keys(input).every((key) => known.includes(key)),
    (input, context) => {
      if (!t.UnknownRecord.is(input)) return t.failure(input, context);
      const unknown = Object.keys(input).filter((key) => !known.includes(key));
      if (unknown.length > 0) {
        return t.failures(unknown.map((key) => ({ value: input[key], context: [...context, { key, type: t.never, actual: input[key] }], message: unknownField(key, known) })));
      }
      // Under an entry of its own (with an empty key, which no path shows), so the intersection's members stay out of paths.
      return fields.validate(input, t.appendContext(context, '', fields, input));
    },
    t.identity,
  );
};
