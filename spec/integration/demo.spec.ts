import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DEMO = fileURLToPath(new URL('../../examples/demo.ts', import.meta.url));
const TSX = createRequire(import.meta.url).resolve('tsx/esm');

describe('npm run demo', () => {
  it('manages its services, shows what they write and a reconcile, and stops everything when its time is up', async () => {
    const demo = spawn(process.execPath, ['--import', TSX, DEMO, '--for', '5500'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    demo.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
    expect(code).toBe(0);
    expect(out).toMatch(/\[flaky\] {2}started pid \d+/);
    expect(out).toContain('reconcile: started cache; stopped -; replaced worker; 2 unchanged');
    // A service's own lines, read from its log, behind its id padded as the events' are.
    const web = /\[web\] {4}started pid (\d+)/.exec(out)?.[1];
    expect(web).toBeDefined();
    expect(out).toMatch(new RegExp(`\\[web\\] {4}\\| up as pid ${web ?? ''}\n`));
    expect(out).toMatch(/\[worker\] \| up as pid \d+ \(v2\)\n/);
    expect(out).toMatch(/\[flaky\] {2}\| crashing\n/);
    expect(out.trim().split('\n').at(-1)).toMatch(/manager stopped; every daemon stopped$/);
    const pids = [...out.matchAll(/started pid (\d+)/g)].map((match) => Number(match[1]));
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
