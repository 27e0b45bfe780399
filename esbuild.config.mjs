// The build's second half, once tsc has checked lib/ and written its .d.ts:
// dist/index.js, dist/testing/index.js and dist/cli/main.js as bundles of
// lib/ (P7: cold start). Node's ESM loader pays for every module it
// resolves, reads and links, and our ~90 took longer than all of RxJS;
// bundled, import('rxdaemon') loads two files.
import { createRequire } from 'node:module';
import { build } from 'esbuild';

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
  target: 'node20.17',
  // rxjs, execa (and io-ts, fp-ts through require) are the user's install's, never copied in.
  packages: 'external',
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  plugins: [requireCommonJs],
  sourcemap: true,
  logLevel: 'warning',
};
// The library and rxdaemon/testing share their chunk, so a FakeDriver and a Daemon meet as one library.
await build({ ...common, entryPoints: ['lib/index.ts', 'lib/testing/index.ts'], chunkNames: 'chunks/[name]-[hash]' });
// The CLI, a program of its own, is bundled apart: shared with it, the library would be split into as many
// chunks as the CLI's commands cut it into, each one more module for import('rxdaemon') to load. Its chunks
// sit beside main.js, where lib/cli/version.ts finds package.json at ../../.
await build({ ...common, entryPoints: ['lib/cli/main.ts'], chunkNames: 'cli/[name]-[hash]' });
