// The build's second half, once tsc has checked lib/ and written its .d.ts:
// dist/index.js, dist/testing/index.js and dist/cli/main.js as bundles of
// lib/ (P7: cold start). Node's ESM loader pays for every module it
// resolves, reads and links, and our ~90 took longer than all of RxJS;
// bundled, import('rxdaemon') loads index.js and the chunks it shares. Then the declarations as a
// user's compiler meets them: only those the two entry points reach, and a
// CommonJS view of each entry point (see commonJsView).
//
// No source maps, and no sources: in any form (lib/, or maps that carry
// them) the sources alone cost ~130 kB of the 250 kB the package may weigh.
// The bundles' whitespace is minified, their names are not, so a stack
// trace still names our functions (containment's code took the package to
// 260.1 kB, over its 250 kB; 235.8 kB so).
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';

// io-ts and fp-ts are CommonJS. Imported from ESM, each is first scanned by
// Node for its export names (io-ts alone for about a third of RxJS's
// import); require()d, it is not, and it is the very module the user's own
// import or require of it gets.
const COMMONJS = /^(io-ts|fp-ts)(\/|$)/;
const requireCommonJs = {
  name: 'require-commonjs',
  setup(bundler) {
    // The import in lib/ becomes a module whose require() of the package is left to Node.
    bundler.onResolve({ filter: COMMONJS }, ({ path, namespace }) => (namespace === 'require' ? { path, external: true } : { path, namespace: 'require' }));
    // Its export names are read here, at build time, so the bundle binds to them as to an ES module's: no copy
    // of the package's exports for each file that imports it.
    bundler.onLoad({ filter: /.*/, namespace: 'require' }, ({ path }) => {
      const names = Object.keys(createRequire(import.meta.url)(path)).filter((name) => name !== '__esModule');
      const contents = [
        `const exported = require(${JSON.stringify(path)});`,
        ...names.map((name, i) => `const _${i} = exported[${JSON.stringify(name)}];`),
        `export { ${names.map((name, i) => `_${i} as ${JSON.stringify(name)}`).join(', ')} };`,
      ].join('\n');
      return { contents, loader: 'js' };
    });
  },
};

const common = {
  outbase: 'lib',
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // rxjs, execa (and io-ts, fp-ts through require) are the user's install's, never copied in.
  packages: 'external',
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  plugins: [requireCommonJs],
  logLevel: 'warning',
  minifyWhitespace: true,
};
// One build of the three entry points, so the package holds the library once: the CLI's commands, the
// library and rxdaemon/testing share its chunk (a FakeDriver and a Daemon meet as one library). The CLI's
// commands sit behind one lazy import (lib/cli/commands.ts): had each command its own, the shared code would
// be cut into as many chunks as the commands cut it into, each one more module for import('rxdaemon') to
// load; so import('rxdaemon') loads index.js and the chunks it shares, and `rxdaemon --help` only main.js.
// Bundled apart, the CLI was a second copy of most of the library, a third of the package even minified.
// Only whitespace is minified: a stack trace names our functions.
// Chunks sit in dist/chunks/, two levels below package.json as lib/cli/version.ts expects.
await build({ ...common, entryPoints: ['lib/index.ts', 'lib/testing/index.ts', 'lib/cli/main.ts'], chunkNames: 'chunks/[name]-[hash]' });

// The declarations of what the package exports, each entry point's with the files it imports.
const ENTRIES = ['dist/index.d.ts', 'dist/testing/index.d.ts'];
const program = ts.createProgram(ENTRIES, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, types: [] });

// tsc wrote a .d.ts for every file of lib/; the CLI's (about 45) and the library's inner modules that no
// exported type mentions are read by no one's compiler, so they are not shipped.
const reached = new Set(program.getSourceFiles().map((file) => relative('.', file.fileName)));
const declarations = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? declarations(join(dir, entry.name)) : entry.name.endsWith('.d.ts') ? [join(dir, entry.name)] : []));
for (const file of declarations('dist')) if (!reached.has(file)) rmSync(file);

/**
 * `index.d.cts` beside an entry point's `index.d.ts`: its types as a
 * CommonJS file sees them. Node ≥ 20.19 and ≥ 22.12 `require()` our ES
 * module, but TypeScript's `module: node16` lets a CommonJS file import
 * only CommonJS types (TS1471), and a CommonJS declaration file may import
 * ES types only as types (`resolution-mode`). So it re-exports every type,
 * and declares each value (and a class's or codec's type of the same name)
 * through `typeof import()`: the ES module's own declarations, not a copy.
 */
const commonJsView = async (entry) => {
  const dts = entry.replace(/\.d\.ts$/, '.js');
  const file = `'./${dts.split('/').pop()}'`;
  const esm = `${file}, { with: { 'resolution-mode': 'import' } }`;
  const checker = program.getTypeChecker();
  const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)));
  const typed = new Set(exported.filter((symbol) => (checker.getAliasedSymbol(symbol).flags & ts.SymbolFlags.Type) !== 0).map((symbol) => symbol.name));
  // What the module exports at run time are exactly its values.
  const values = Object.keys(await import(pathToFileURL(dts).href)).sort();
  const lines = values.flatMap((name) => [
    `export declare const ${name}: ESM[${JSON.stringify(name)}];`,
    ...(typed.has(name) ? [`export type ${name} = import(${esm}).${name};`] : []),
  ]);
  writeFileSync(
    entry.replace(/\.d\.ts$/, '.d.cts'),
    [
      '// What `require()` of this entry point gives (Node >= 20.19, >= 22.12): the ES module\'s own types, for CommonJS files.',
      `export type * from ${file} with { 'resolution-mode': 'import' };`,
      `type ESM = typeof import(${esm});`,
      ...lines,
      '',
    ].join('\n'),
  );
};
for (const entry of ENTRIES) await commonJsView(entry);
