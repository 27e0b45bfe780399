import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const LIB = fileURLToPath(new URL('../lib', import.meta.url));

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith('.ts') ? [path] : [];
  });

/**
 * Every module of lib/ and the modules of lib/ it names: `import`,
 * `import type`, `export … from` and `import()` alike. A type-only import
 * erases at run time, but a reader who follows it still goes round in a
 * circle, and the two modules can no longer be understood one before the
 * other.
 */
const importGraph = (): Map<string, string[]> =>
  new Map(
    sources(LIB).map((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const local = importedFiles.map(({ fileName }) => fileName).filter((name) => name.startsWith('.'));
      return [relative(LIB, file), local.map((name) => relative(LIB, resolve(dirname(file), name.replace(/\.js$/, '.ts'))))];
    }),
  );

/** One cycle through each module that is on one, as `a.ts → b.ts → a.ts`; empty when the graph has none. */
const cyclesOf = (graph: ReadonlyMap<string, readonly string[]>): string[] => {
  const done = new Set<string>();
  const cycles: string[] = [];
  const path: string[] = [];
  const visit = (module: string): void => {
    const at = path.indexOf(module);
    if (at >= 0) {
      cycles.push([...path.slice(at), module].join(' → '));
      return;
    }
    if (done.has(module)) return;
    path.push(module);
    for (const next of graph.get(module) ?? []) visit(next);
    path.pop();
    done.add(module);
  };
  for (const module of [...graph.keys()].sort()) visit(module);
  return cycles;
};

describe('the modules of lib/', () => {
  it('import one another without a cycle, type imports included', () => {
    expect(cyclesOf(importGraph())).toEqual([]);
  });

  it('are all seen: the graph holds the driver and its importers', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('index.ts')).toContain('daemon/daemon.ts');
  });
});
