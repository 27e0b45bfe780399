// JSON with every object's keys in order: `{ "when": …, "policy": … }` and
// `{ "policy": …, "when": … }` are the same entry.
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Readonly<Record<string, unknown>>;
    const fields = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
};

/**
 * `build`, with what it built kept stable across reloads: an entry equal
 * to one built before (compared as canonical JSON, whatever the order of
 * its keys) gives back the very object built then, however many reads of a
 * config apart. Not a speed-up: a manager compares functions and policies
 * by identity (S6), so a config's entries turned into such objects need
 * this, or every reload would replace every service that has one. Nothing is ever let go: an object still in use may
 * come back in the next read (a change undone before the manager applied
 * it), and there are only as many as the distinct entries a person wrote
 * into the file.
 *
 * @example
 * const lengthOf = reloadStable((entry: { text: string }) => ({ length: entry.text.length }));
 * lengthOf({ text: 'ab' }) === lengthOf({ text: 'ab' }); // true
 */
export const reloadStable = <E, V>(build: (entry: E) => V): ((entry: E) => V) => {
  const built = new Map<string, V>();
  return (entry) => {
    const key = canonical(entry);
    if (built.has(key)) return built.get(key) as V;
    const value = build(entry);
    built.set(key, value);
    return value;
  };
};
