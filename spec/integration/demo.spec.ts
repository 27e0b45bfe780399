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
    expect(out).toMatch(/\[flaky\] {2}! crashing\n/);
    expect(out.trim().split('\n').at(-1)).toMatch(/manager stopped; every daemon stopped$/);
    const pids = [...out.matchAll(/started pid (\d+)/g)].map((match) => Number(match[1]));
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});

/** Each run of service `id` as the demo shows it: its lines, up to and with its `exited`, by pid. */
const runsOf = (out: string, id: string): Map<number, string[]> => {
  const runs = new Map<number, string[]>();
  let lines: string[] = [];
  for (const line of out.split('\n').filter((text) => text.includes(`[${id}]`))) {
    lines.push(line.slice(line.indexOf(`[${id}]`) + id.length + 2).trim());
    const exited = / exited /.exec(line) === null ? undefined : /pid (\d+) exited/.exec(line)?.[1];
    if (exited !== undefined) {
      runs.set(Number(exited), lines);
      lines = [];
    }
  }
  return runs;
};

describe('npm run demo: a run and its lines', () => {
  it("every line a run wrote comes before its exited, over the flaky service's crashes and every stop", async () => {
    const demo = spawn(process.execPath, ['--import', TSX, DEMO, '--for', '7000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    demo.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    expect(await new Promise<number | null>((resolve) => demo.once('exit', resolve))).toBe(0);
    const flaky = runsOf(out, 'flaky');
    const crashed = [...flaky].filter(([, lines]) => lines.at(-1)?.endsWith('exited with code 1') === true);
    // The flaky service crashes 0.4–3.4 s into each run.
    expect(crashed.length).toBeGreaterThanOrEqual(1);
    for (const [pid, lines] of crashed) {
      // Its own first line, and its last (written right before it crashed), under its own run, before its exited.
      expect(lines).toContain(`| up as pid ${pid}`);
      expect(lines.filter((line) => line === '! crashing')).toEqual(['! crashing']);
    }
    // Every service's run that was stopped (the replaced worker, everything at the end): its last words come before its exit.
    const stopped = ['web', 'worker', 'flaky', 'cache'].flatMap((id) => [...runsOf(out, id)].filter(([, lines]) => lines.some((line) => line.startsWith('sent SIGINT'))));
    expect(stopped.length).toBeGreaterThanOrEqual(4);
    // A run stopped before node ran its script (a flaky run restarted just before the end) dies by the SIGINT itself.
    const up = stopped.filter(([pid, lines]) => lines.includes(`| up as pid ${pid}`));
    expect(up.length).toBeGreaterThanOrEqual(3);
    for (const [pid, lines] of up) expect({ pid, last: lines.slice(-2) }).toEqual({ pid, last: ['| SIGINT, cleaning up', `pid ${pid} exited with code 0`] });
    for (const [pid, lines] of stopped.filter((run) => !up.includes(run))) expect(lines.at(-1)).toMatch(new RegExp(`^pid ${pid} exited (by SIGINT|with code 0)$`));
  });
});
