import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Programs made runnable by plain `node`, each an absolute path. */
export interface Bundled {
  /** `rxdaemon` (lib/cli/main.ts). */
  readonly cli: string;
  /** spec/fixtures/manager-process.ts. */
  readonly manager: string;
}

/** Bundles each entry point (name: path) into `outdir`/<name>.mjs, an ES module for node 20 with everything it imports. */
const esmBundles = (entryPoints: Record<string, string>, outdir: string): void => {
  buildSync({
    entryPoints,
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
};

/**
 * Bundles the CLI and the manager fixture into `outdir` with esbuild (the
 * compiler tsx runs on every start), so that starting one costs ~0.1 s
 * rather than ~1 s of compiling on a loaded 2-core machine: the crash-safety
 * specs start dozens of managers, and a kill "0.6 s after start" must land
 * after the manager runs, as it does with the built CLI.
 */
export const bundle = (outdir: string): Bundled => {
  esmBundles({ cli: join(ROOT, 'lib/cli/main.ts'), manager: join(ROOT, 'spec/fixtures/manager-process.ts') }, outdir);
  return { cli: join(outdir, 'cli.mjs'), manager: join(outdir, 'manager.mjs') };
};

/** A program bundled where any user can run it, and the way to remove it. */
export interface Shared {
  readonly path: string;
  remove(): void;
}

/**
 * Bundles one TypeScript program into a single file in a fresh directory
 * that any user may read (0755, the file 0644), for specs that run it as
 * `nobody`: the repository itself may sit in a private directory (a CI
 * checkout under a 0700 temp dir), where `nobody` could not load tsx or the
 * sources.
 */
export const bundleForAnyone = (entry: string): Shared => {
  const outdir = mkdtempSync(join(tmpdir(), 'rxdaemon-bundle-'));
  chmodSync(outdir, 0o755);
  const name = entry.replace(/^.*\//, '').replace(/\.ts$/, '');
  esmBundles({ [name]: entry }, outdir);
  const path = join(outdir, `${name}.mjs`);
  chmodSync(path, 0o644);
  return {
    path,
    remove: () => {
      rmSync(outdir, { recursive: true, force: true });
    },
  };
};

/**
 * The programs of {@link bundle}, built once for the spec file that calls
 * this (before its first test) in a temp dir removed after its last: read
 * `.cli` and `.manager` inside tests. The dir is readable by every user, so
 * a test may run a manager as `nobody`.
 */
export const useBundle = (): Bundled => {
  const programs = { cli: '', manager: '' };
  let outdir = '';
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'rxdaemon-bundle-'));
    chmodSync(outdir, 0o755);
    Object.assign(programs, bundle(outdir));
  });
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });
  return programs;
};
