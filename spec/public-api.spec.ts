import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY_POINTS = { rxdaemon: join(ROOT, 'lib/index.ts'), 'rxdaemon/testing': join(ROOT, 'lib/testing/index.ts') };
// The API reference: one section per entry point, `## \`rxdaemon\``, each a table with a row per export.
const REFERENCE = join(ROOT, 'docs/api.md');
// Where TypeScript blocks are read from: the README and every page of docs/.
const DOCS = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => join(ROOT, 'docs', name))];

// The repository's compiler options, where `rxdaemon` names the sources (tsconfig.json's paths).
const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path)).config, ts.sys, ROOT);
const OPTIONS: ts.CompilerOptions = { ...parsed.options, noEmit: true };

/** A program over the sources, plus files that exist only in memory. */
const programOf = (virtual: ReadonlyMap<string, string>, oldProgram?: ts.Program): ts.Program => {
  const host = ts.createCompilerHost(OPTIONS, true);
  const [getSourceFile, fileExists, readFile] = [host.getSourceFile.bind(host), host.fileExists.bind(host), host.readFile.bind(host)];
  host.getSourceFile = (path, language, ...rest) => {
    const text = virtual.get(path);
    return text === undefined ? getSourceFile(path, language, ...rest) : ts.createSourceFile(path, text, language, true);
  };
  host.fileExists = (path) => virtual.has(path) || fileExists(path);
  host.readFile = (path) => virtual.get(path) ?? readFile(path);
  return ts.createProgram({ rootNames: [...Object.values(ENTRY_POINTS), ...virtual.keys()], options: OPTIONS, host, ...(oldProgram === undefined ? {} : { oldProgram }) });
};

const moduleExports = (program: ts.Program, file: string): ts.Symbol[] => {
  const source = program.getSourceFile(file);
  const module = source === undefined ? undefined : program.getTypeChecker().getSymbolAtLocation(source);
  if (module === undefined) throw new Error(`cannot read ${file}`);
  return program.getTypeChecker().getExportsOfModule(module);
};

// Where an example may take names from without importing them: what a user
// of rxdaemon has at hand. The first module that exports a name gives it.
const EXAMPLE_MODULES = ['rxdaemon', 'rxdaemon/testing', 'rxjs', 'rxjs/testing', 'fp-ts/lib/Either.js', 'fp-ts/lib/function.js', 'node:fs', 'node:path'];
const DEFAULT_IMPORTS: Readonly<Record<string, string>> = { assert: 'node:assert' };
const EXAMPLES_DIR = join(ROOT, 'spec/.examples');
const PROBE = join(EXAMPLES_DIR, 'modules.ts');

/** Every name each of {@link EXAMPLE_MODULES} exports, and whether it is only a type (imported with `type`, as verbatimModuleSyntax wants). */
const namesByModule = (program: ts.Program): Map<string, Map<string, boolean>> => {
  const probe = program.getSourceFile(PROBE);
  if (probe === undefined) throw new Error('no probe');
  const checker = program.getTypeChecker();
  const typeOnly = (symbol: ts.Symbol): boolean => !((symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol).flags & ts.SymbolFlags.Value);
  return new Map(
    probe.statements.filter(ts.isImportDeclaration).map((declaration) => {
      const module = checker.getSymbolAtLocation(declaration.moduleSpecifier);
      if (module === undefined) throw new Error(`cannot resolve ${declaration.moduleSpecifier.getText()}`);
      return [(declaration.moduleSpecifier as ts.StringLiteral).text, new Map(checker.getExportsOfModule(module).map((symbol) => [symbol.getName(), typeOnly(symbol)]))];
    }),
  );
};

/** A piece of TypeScript a reader is shown. */
interface Example {
  /** Where it is: the exported symbol (or `Symbol.member`) whose doc comment holds it, or a page's block. */
  readonly where: string;
  readonly code: string;
}

const nameOf = (node: ts.Node): string | undefined => {
  const name = (node as { name?: ts.Node }).name;
  return name !== undefined && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name)) ? name.text : undefined;
};

/** The `@example`s of an exported symbol's declarations and of their members, each named after the symbol (and member) it documents. */
const examplesOf = (exported: string, declarations: readonly ts.Declaration[]): Example[] => {
  const seen = new Set<ts.JSDocTag>();
  const examples: Example[] = [];
  const visit = (node: ts.Node, symbol: string): void => {
    for (const tag of ts.getJSDocTags(node)) {
      if (tag.tagName.text !== 'example' || seen.has(tag)) continue;
      seen.add(tag);
      examples.push({ where: symbol, code: ts.getTextOfJSDocComment(tag.comment) ?? '' });
    }
    ts.forEachChild(node, (child) => {
      const member = ts.isClassElement(child) || ts.isTypeElement(child) || ts.isPropertyAssignment(child) ? nameOf(child) : undefined;
      visit(child, member === undefined ? symbol : `${exported}.${member}`);
    });
  };
  // Only rxdaemon's own declarations: an export's type may come from a dependency with examples of its own.
  for (const declaration of declarations.filter((d) => d.getSourceFile().fileName.startsWith(join(ROOT, 'lib')))) visit(ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration, exported);
  return examples;
};

// An example's free names: every identifier it uses, less those it declares and property names.
const freeNames = (code: string): Set<string> => {
  const used = new Set<string>();
  const declared = new Set<string>();
  const visit = (node: ts.Node): void => {
    const name = (node as { name?: ts.Node }).name;
    if (name !== undefined && ts.isIdentifier(name) && (ts.isDeclarationStatement(node) || ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node) || ts.isImportSpecifier(node) || ts.isImportClause(node) || ts.isNamespaceImport(node)))
      declared.add(name.text);
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const isPropertyName = (ts.isPropertyAccessExpression(parent) && parent.name === node) || (ts.isPropertyAssignment(parent) && parent.name === node) || ts.isQualifiedName(parent);
      if (!isPropertyName) used.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('example.ts', code, ts.ScriptTarget.Latest, true));
  return new Set([...used].filter((name) => !declared.has(name)));
};

/** The example as a module of its own: the imports it needs, then its code. */
const exampleFile = (code: string, names: ReadonlyMap<string, ReadonlyMap<string, boolean>>): string => {
  const imports = new Map<string, string[]>();
  const defaults: string[] = [];
  for (const name of freeNames(code)) {
    const fromDefault = DEFAULT_IMPORTS[name];
    if (fromDefault !== undefined) {
      defaults.push(`import ${name} from '${fromDefault}';`);
      continue;
    }
    const module = EXAMPLE_MODULES.find((candidate) => names.get(candidate)?.has(name));
    if (module !== undefined) imports.set(module, [...(imports.get(module) ?? []), names.get(module)?.get(name) === true ? `type ${name}` : name]);
  }
  const named = [...imports].map(([module, list]) => `import { ${list.join(', ')} } from '${module}';`);
  return [...defaults, ...named, code, 'export {};', ''].join('\n');
};

describe('the public API', () => {
  const program = programOf(new Map([[PROBE, EXAMPLE_MODULES.map((module, i) => `import * as m${i} from '${module}';`).join('\n')]]));
  const checker = program.getTypeChecker();
  const exported = Object.entries(ENTRY_POINTS).flatMap(([entry, file]) =>
    moduleExports(program, file).map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return { entry, name: symbol.getName(), doc: ts.displayPartsToString(target.getDocumentationComment(checker)), declarations: target.declarations ?? [] };
    }),
  );

  it('gives every exported symbol a doc comment and a row in the API reference, under its entry point, which lists nothing else', () => {
    expect(exported.length).toBeGreaterThan(50);
    expect(exported.filter(({ doc }) => doc.trim() === '').map(({ name }) => name)).toEqual([]);
    const reference = readFileSync(REFERENCE, 'utf8');
    const sections = reference.split(/^## /m).slice(1);
    expect(sections.map((section) => section.slice(0, section.indexOf('\n')))).toEqual(Object.keys(ENTRY_POINTS).map((entry) => `\`${entry}\``));
    for (const [entry, section] of Object.keys(ENTRY_POINTS).map((name, i) => [name, sections[i] ?? ''] as const)) {
      const rows = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((row) => row[1] ?? '');
      const names = exported.filter((symbol) => symbol.entry === entry).map(({ name }) => name);
      // Every export of the entry point has a row, and every row is one of its exports, once.
      expect({ entry, missing: names.filter((name) => !rows.includes(name)), extra: rows.filter((row) => !names.includes(row)), twice: rows.filter((row, i) => rows.indexOf(row) !== i) }).toEqual({ entry, missing: [], extra: [], twice: [] });
    }
  }, 30_000);

  /** The type errors of each example, compiled as a module of its own (see {@link exampleFile}) against the sources, each with where it is and the module. */
  const typeErrors = (examples: readonly Example[]): string[] => {
    const names = namesByModule(program);
    const files = new Map(examples.map((example, i) => [join(EXAMPLES_DIR, `${String(i)}.ts`), exampleFile(example.code, names)]));
    const checked = programOf(files, program);
    return [...files.keys()].flatMap((file, i) => {
      const source = checked.getSourceFile(file);
      const diagnostics = source === undefined ? [] : ts.getPreEmitDiagnostics(checked, source);
      return diagnostics.map((diagnostic) => `${examples[i]?.where ?? file}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}\n${files.get(file) ?? ''}`);
    });
  };

  it('compiles every @example of an exported symbol’s doc comment, importing what it uses from rxdaemon, rxjs, fp-ts and node', () => {
    const examples = exported.flatMap(({ name, declarations }) => examplesOf(name, declarations));
    expect(examples.length).toBeGreaterThan(10);
    expect(typeErrors(examples)).toEqual([]);
  }, 60_000);

  it('compiles every TypeScript block of the README and of docs/ against the current API', () => {
    const blocks = DOCS.flatMap((path) =>
      [...readFileSync(path, 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((block, i) => ({ where: `${relative(ROOT, path)}, TypeScript block ${String(i + 1)}`, code: block[1] ?? '' })),
    );
    expect(blocks.length).toBeGreaterThan(15);
    expect(typeErrors(blocks)).toEqual([]);
  }, 60_000);
});
