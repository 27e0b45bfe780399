import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ENTRY_POINTS = ['../lib/index.ts', '../lib/testing/index.ts'].map((path) => fileURLToPath(new URL(path, import.meta.url)));

/** Every exported symbol of the package's entry points, with its doc comment. */
const exportedDocs = (): { name: string; doc: string }[] => {
  const program = ts.createProgram(ENTRY_POINTS, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true });
  const checker = program.getTypeChecker();
  return ENTRY_POINTS.flatMap((path) => {
    const source = program.getSourceFile(path);
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`cannot read ${path}`);
    return checker.getExportsOfModule(module).map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return { name: symbol.getName(), doc: ts.displayPartsToString(target.getDocumentationComment(checker)) };
    });
  });
};

const README = fileURLToPath(new URL('../README.md', import.meta.url));

describe('the public API', () => {
  it('gives every exported symbol a doc comment and a row in the README’s reference', () => {
    const exports = exportedDocs();
    expect(exports.length).toBeGreaterThan(50);
    expect(exports.filter(({ doc }) => doc.trim() === '').map(({ name }) => name)).toEqual([]);
    const readme = readFileSync(README, 'utf8');
    expect(exports.filter(({ name }) => !readme.includes(`| \`${name}\` |`)).map(({ name }) => name)).toEqual([]);
  }, 30_000);
});
