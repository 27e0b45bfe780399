import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jittered } from '../../lib/policy/jitter.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// `random` returns a number in [0, 1): these are its least and its greatest.
const LEAST = 0;
const GREATEST = 1 - Number.EPSILON;

describe('jittered', () => {
  it('draws a full jitter from [0, d): never d itself', () => {
    expect([LEAST, 0.5, GREATEST].map((r) => jittered(2_000, 'full', () => r))).toEqual([0, 1_000, 1_999]);
  });

  it('draws an equal jitter from [d/2, d): never d itself', () => {
    expect([LEAST, 0.5, GREATEST].map((r) => jittered(2_000, 'equal', () => r))).toEqual([1_000, 1_500, 1_999]);
  });

  it('is said to, wherever the docs or a doc comment give the range', () => {
    const pages = [...readdirSync(join(ROOT, 'docs')).map((name) => join(ROOT, 'docs', name)), ...['jitter.ts', 'with-jitter.ts', 'exponential-backoff.ts'].map((name) => join(ROOT, 'lib/policy', name))];
    const ranges = pages.flatMap((page) => [...readFileSync(page, 'utf8').matchAll(/\[(0|d\/2), d[\])]/g)].map((range) => `${page.slice(ROOT.length)}: ${range[0]}`));
    expect(ranges.length).toBeGreaterThanOrEqual(4);
    expect(ranges.filter((range) => range.endsWith(']'))).toEqual([]);
  });
});
