import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { anchors, headings, links } from '../helpers/markdown.js';

// docs/design.md holds the rules the code cites by number (`// S5`, `M8`,
// `P3`): every citation must lead a reader to its rule, and no page may
// send them to a design that lives outside the repository.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DESIGN = join(ROOT, 'docs/design.md');

/** The rules the design numbers: S1–S9 (one daemon), R1–R5 (restarts), M1–M9 (the manager), P1–P9 (performance). */
const RULES = Object.entries({ S: 9, R: 5, M: 9, P: 9 }).flatMap(([letter, count]) => Array.from({ length: count }, (_, i) => `${letter}${String(i + 1)}`));

/** A citation, as a whole word: `S5`, or a range such as `R1–R3`, which cites R2 too. */
const CITATION = /\b([SRMP])([1-9])\b(?:\s?[–-]\s?\1([1-9])\b)?/g;

// What the repository does not hold as its own: what npm installs, what builds and tools write.
const NOT_OURS = new Set(['node_modules', '.git', 'dist', 'coverage', '.bench-out', '.scratch', '.examples']);
const TEXT = /\.(?:[cm]?[jt]s|json|md|sh|ya?ml)$/;

/** The text files under a path of the repository (the path itself when it is a file). */
const textFiles = (path: string): string[] =>
  statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => !NOT_OURS.has(name))
        .flatMap((name) => textFiles(join(path, name)))
    : TEXT.test(path)
      ? [path]
      : [];

const designText = (): string => (existsSync(DESIGN) ? readFileSync(DESIGN, 'utf8') : '');

/** Each rule that has its own heading in docs/design.md, a heading that begins with its number (`### S5 process group`). */
const ruleHeadings = (): string[] => headings(designText()).flatMap((heading) => /^([SRMP][1-9])\b/.exec(heading)?.slice(1, 2) ?? []);

/** Every rule cited in `files`, with the first place that cites it. */
const citations = (files: readonly string[]): Map<string, string> => {
  const cited = new Map<string, string>();
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        for (const [, letter = '', first = '', last = first] of line.matchAll(CITATION)) {
          for (let n = Number(first); n <= Math.max(Number(first), Number(last)); n++) {
            const rule = `${letter}${String(n)}`;
            if (!cited.has(rule)) cited.set(rule, `${relative(ROOT, file)}:${String(index + 1)}`);
          }
        }
      });
  }
  return cited;
};

// The pages a user reads: the README, the changelog and every page of docs/ (the package ships the README and docs/, less contributing.md and architecture.md).
const PAGES = ['README.md', 'CHANGELOG.md', ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`)].filter((path) => path.endsWith('.md')).map((path) => join(ROOT, path));

describe('docs/design.md: every rule the code cites resolves', () => {
  it('gives each rule, S1–S9, R1–R5, M1–M9 and P1–P9, exactly one heading that begins with its number', () => {
    expect([...ruleHeadings()].sort()).toEqual([...RULES].sort());
  });

  it('has a heading for every rule cited in lib/, spec/, bench/, examples/, docs/, the README and the changelog', () => {
    const cited = citations(['lib', 'spec', 'bench', 'examples', 'docs', 'README.md', 'CHANGELOG.md'].flatMap((path) => textFiles(join(ROOT, path))));
    // The scan finds what it must: the code cites these, among others.
    expect([...cited.keys()]).toEqual(expect.arrayContaining(['S5', 'R2', 'M8', 'P3']));
    const headed = new Set(ruleHeadings());
    expect([...cited].filter(([rule]) => !headed.has(rule)).map(([rule, where]) => `${rule} (cited at ${where})`)).toEqual([]);
  });

  it('no file of the repository names a design document outside it', () => {
    const outside = /\bDESIGN\.md\b/;
    const naming = textFiles(ROOT).filter((file) => outside.test(readFileSync(file, 'utf8')));
    expect(naming.map((file) => relative(ROOT, file))).toEqual([]);
  });

  it('every link of a page to a file leads to one in the repository, and to a heading of it that exists', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      for (const { target, number } of links(readFileSync(page, 'utf8'))) {
        if (/^[a-z][a-z\d+.-]*:/i.test(target)) continue; // https:, mailto:
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? page : resolve(dirname(page), path);
        const where = `${relative(ROOT, page)}:${String(number)}: ${target}`;
        if (!file.startsWith(ROOT.endsWith(sep) ? ROOT : ROOT + sep) || !existsSync(file)) broken.push(`${where} (no such file in the repository)`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${where} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
