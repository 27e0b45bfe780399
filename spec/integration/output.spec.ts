import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import { fastRestarts } from '../helpers/policy.js';
import { child, is, nextEvent, readIfThere, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();

describe('the output of a real process', () => {
  it('lines$ gives what it writes, as it arrives, on across its restarts; exited.tail is its last stderr lines', async () => {
    const daemon = new Daemon(child('--print', 'hello', '--exit-after', '150'), {
      stdout: { file: sandbox().path('out.log') },
      stderr: { file: sandbox().path('err.log') },
      tailLines: 2,
      restart: fastRestarts,
    });
    const events$ = sandbox().track(daemon);
    const lines: string[] = [];
    const reading = daemon.lines$('stdout').subscribe((line) => lines.push(line));
    try {
      daemon.start();
      const exited = await nextEvent(events$, is('exited'));
      expect(exited.tail).toEqual(['err:hello', 'err:hello']);
      await nextEvent(events$, is('started', (event) => event.attempt === 2));
      const seen = lines.length;
      await waitFor('lines of the second run', () => lines.length > seen + 2);
      expect(new Set(lines)).toEqual(new Set(['hello']));
    } finally {
      reading.unsubscribe();
    }
    expect(() => new Daemon(child()).lines$('stdout')).toThrow('Expected the `stdout` option to be a { file } to read lines from, got "ignore".');
  });

  it('rotation: a child writing 1 MiB leaves its log and logBackups copies, each about maxLogBytes, whole lines in order, no hole', async () => {
    const log = sandbox().path('out.log');
    const marker = sandbox().path('marker');
    const maxLogBytes = 128 * 1024;
    const daemon = new Daemon(child('--write', marker, '--flood', String(1024 * 1024)), { stdout: { file: log }, maxLogBytes, logBackups: 2 });
    sandbox().track(daemon);
    daemon.start();
    await waitFor('the flood to be written', () => existsSync(`${marker}.flooded`), 10_000);
    // The last rotation check after the flood, at most a second later.
    await waitFor('the log to be rotated below maxLogBytes', () => (readIfThere(log)?.length ?? Infinity) <= maxLogBytes, 3_000);
    expect(existsSync(`${log}.3`)).toBe(false);
    const files = [`${log}.2`, `${log}.1`, log].map((path) => readFileSync(path, 'utf8'));
    // A copy is the file at a check: past maxLogBytes, by at most the writes of a late check (16 KiB every 50 ms).
    for (const text of files.slice(0, 2)) expect(text.length).toBeGreaterThan(maxLogBytes);
    for (const text of files) expect(text.length).toBeLessThan(maxLogBytes + 1024 * 1024);
    // O_APPEND: after a truncation the child writes at the new end, never leaving a run of NULs before it.
    const all = files.join('');
    expect(all.includes('\0')).toBe(false);
    const numbers = all
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        expect(line).toMatch(/^line \d+ x+$/);
        expect(line.length).toBe(127);
        return Number(line.split(' ')[1]);
      });
    const [first = 0, last = 0] = [numbers[0], numbers.at(-1)];
    expect(numbers.every((n, i) => i === 0 || n > (numbers[i - 1] ?? n))).toBe(true);
    // Copy-and-truncate loses what is written between the copy and the truncation: a few lines, not more.
    const written = (1024 * 1024) / 128;
    expect(last - first + 1 - numbers.length).toBeLessThan(written / 20);
    expect(last).toBeGreaterThan(written * 0.95);
  });
});
