import { readFileSync } from 'node:fs';

/**
 * The installed package's version, from its package.json: two levels above
 * this file in lib/cli/ and in dist/cli/ alike, and shipped by npm with every
 * package. Read when asked, so a start never pays for it, and never out of
 * step with the manifest, as a copy inlined at build time could be.
 */
export const packageVersion = (): string => (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
