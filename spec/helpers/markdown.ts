/** The lines of a markdown page outside its fenced code blocks, each with its number. */
export const proseLines = (text: string): { readonly line: string; readonly number: number }[] => {
  let fenced = false;
  return text.split('\n').flatMap((line, index) => {
    if (/^\s*(?:```|~~~)/.test(line)) {
      fenced = !fenced;
      return [];
    }
    return fenced ? [] : [{ line, number: index + 1 }];
  });
};

/** The headings of a markdown page. */
export const headings = (text: string): string[] => proseLines(text).flatMap(({ line }) => /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)?.slice(1, 2) ?? []);

/** The anchors a markdown renderer such as GitHub's gives a page's headings: lowercase, punctuation dropped, each space a hyphen, a repeat numbered. */
export const anchors = (text: string): Set<string> => {
  const seen = new Map<string, number>();
  return new Set(
    headings(text).map((heading) => {
      const slug = heading
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
      const repeats = seen.get(slug) ?? 0;
      seen.set(slug, repeats + 1);
      return repeats === 0 ? slug : `${slug}-${String(repeats)}`;
    }),
  );
};

/** Every link of a page's prose (`[text](target)`), with the number of its line. */
export const links = (text: string): { readonly target: string; readonly number: number }[] =>
  proseLines(text).flatMap(({ line, number }) => [...line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(([, target = '']) => ({ target, number })));
