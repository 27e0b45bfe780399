import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Programs made runnable by plain `node`, each an absolute path. */
export interface Bundled {
  /** `rxdaemon` (lib/cli/main.ts). */
  readonly cli: string;
  /** spec/fixtures/manager-process.ts. */
  readonly manager: string;
}

/**
 * Bundles the CLI and the manager fixture into `outdir` with esbuild (the
 * compiler tsx runs on every start), so that starting one costs ~0.1 s
 * rather than ~1 s of compiling on a loaded 2-core machine: the crash-safety
 * specs start dozens of managers, and a kill "0.6 s after start" must land
 * after the manager runs, as it does with the built CLI.
 */
export const bundle = (outdir: string): Bundled => {
  buildSync({
    entryPoints: { cli: join(ROOT, 'lib/cli/main.ts'), manager: join(ROOT, 'spec/fixtures/manager-process.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // Bundled CommonJS (io-ts, fp-ts) requires node's own modules.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return { cli: join(outdir, 'cli.mjs'), manager: join(outdir, 'manager.mjs') };
};
