import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The package as `npm pack` makes it: where its tarball is, and what it holds. */
export interface Packed {
  /** The tarball's absolute path. */
  readonly tarball: string;
  /** Each file it holds, its path relative to the package, and its size in bytes. */
  readonly files: readonly { readonly path: string; readonly size: number }[];
  /** The tarball's size in bytes (what `npm pack` calls the package size). */
  readonly size: number;
  /** The files' sizes added up. */
  readonly unpackedSize: number;
}

/**
 * Packs the repository with `npm pack` into `destination`, as npm publishes
 * it: its `prepack` script builds dist/ first. Its notices (the file list)
 * go to npm's stderr and are dropped; a failed build throws with them.
 */
export const pack = (destination: string): Packed => {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  // The build's own output (prepack runs `npm run build`, which prints its header) comes before npm's JSON.
  const [packed] = JSON.parse(out.slice(out.indexOf('[\n'))) as [{ filename: string; files: { path: string; size: number }[]; size: number; unpackedSize: number }];
  return { tarball: join(destination, packed.filename), files: packed.files, size: packed.size, unpackedSize: packed.unpackedSize };
};
