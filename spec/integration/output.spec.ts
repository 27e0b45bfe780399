import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import { noRestart } from '../../lib/policy/no-restart.js';
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

  it('rotation: a child writing 1 MiB leaves its log and logBackups copies, each about maxLogBytes, whole lines in order; lines$ reads each line once', async () => {
    const log = sandbox().path('out.log');
    const marker = sandbox().path('marker');
    const maxLogBytes = 128 * 1024;
    const daemon = new Daemon(child('--write', marker, '--flood', String(1024 * 1024)), { stdout: { file: log }, maxLogBytes, logBackups: 2 });
    sandbox().track(daemon);
    const read: string[] = [];
    const reading = daemon.lines$('stdout').subscribe((line) => read.push(line));
    try {
      daemon.start();
      await waitFor('the flood to be written', () => existsSync(`${marker}.flooded`), 10_000);
      // The last rotation check after the flood, at most a second later.
      await waitFor('the log to be rotated below maxLogBytes', () => (readIfThere(log)?.length ?? Infinity) <= maxLogBytes, 3_000);
      await waitFor('lines$ to read the last line', () => read.at(-1)?.startsWith(`line ${WRITTEN - 1} `) === true, 3_000);
    } finally {
      reading.unsubscribe();
    }
    expect(existsSync(`${log}.3`)).toBe(false);
    const files = [`${log}.2`, `${log}.1`, log].map((path) => readFileSync(path, 'utf8'));
    // A copy is the file at a check: past maxLogBytes, by at most the writes of a late check (16 KiB every 50 ms).
    for (const text of files.slice(0, 2)) expect(text.length).toBeGreaterThan(maxLogBytes);
    for (const text of files) expect(text.length).toBeLessThan(maxLogBytes + 1024 * 1024);
    // O_APPEND: after a truncation the child writes at the new end, never leaving a run of NULs before it.
    const all = files.join('');
    expect(all.includes('\0')).toBe(false);
    const numbers = numbered(all.split('\n').filter((line) => line !== ''));
    const [first = 0, last = 0] = [numbers[0], numbers.at(-1)];
    expect(numbers.every((n, i) => i === 0 || n > (numbers[i - 1] ?? n))).toBe(true);
    // Only what lands between the last read of the copy and the truncation, two system calls apart, can be lost:
    // a line or two at most over the whole flood (none at all in 5 runs out of 5 when measured; when all of the copy
    // was made before the truncation, 5 % was allowed).
    expect(last - first + 1 - numbers.length).toBeLessThanOrEqual(2);
    expect(last).toBe(WRITTEN - 1);
    // Read from the file as it was rotated, every line comes once, in order, through every rotation.
    const seen = numbered(read);
    expect(seen[0]).toBe(0);
    expect((seen.at(-1) ?? 0) + 1 - seen.length).toBeLessThanOrEqual(2);
    expect(seen.every((n, i) => i === 0 || n > (seen[i - 1] ?? n))).toBe(true);
  });

  it("exited.tail across a rotation, the file regrown past where the run began: the run's whole lines, from .1 on", async () => {
    const err = sandbox().path('err.log');
    // 96 bytes of an earlier run: this run's output begins there, which is no line's start in the regrown file.
    writeFileSync(err, 'earlier run\n'.repeat(8), { mode: 0o600 });
    // 20 lines (past maxLogBytes), then, once the check has rotated them to .1, 12 more (120 bytes: regrown past 96,
    // not past maxLogBytes), and the exit: one rotation, whenever the check comes.
    const lines = (count: number): string => `for i in $(seq ${count}); do echo err:hello >&2; done`;
    const script = `${lines(20)}; while [ ! -e "$1.1" ]; do sleep 0.02; done; ${lines(12)}`;
    const daemon = new Daemon({ command: 'sh', args: ['-c', script, 'sh', err] }, { stderr: { file: err }, maxLogBytes: 200, tailLines: 1_000, restart: noRestart });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const exited = await nextEvent(events$, is('exited'), 5_000);
    expect(readFileSync(`${err}.1`, 'utf8').startsWith('earlier run\n'.repeat(8))).toBe(true);
    expect(readFileSync(err, 'utf8').length).toBeGreaterThan(96);
    expect(exited.tail).toEqual(Array<string>(20 + 12).fill('err:hello'));
  });

  it('a rotation that fails is a rotate-failed event once per new error, however many checks fail the same way; the daemon runs on', async () => {
    const log = sandbox().path('out.log');
    // .1 is a directory with something in it: no copy can be renamed there.
    mkdirSync(`${log}.1`);
    writeFileSync(join(`${log}.1`, 'inside'), '');
    const daemon = new Daemon(child('--print', 'x'.repeat(200)), { stdout: { file: log }, maxLogBytes: 100, logBackups: 1 });
    const events$ = sandbox().track(daemon);
    const failed: string[] = [];
    const watching = events$.subscribe((event) => {
      if (event.type === 'rotate-failed') failed.push(`${event.path} ${event.error.code}`);
    });
    // Each rotation that gets as far as its copy makes one, `.out.log.<random>.tmp`, and removes it when the rename fails.
    const copies = new Set<string>();
    const copying = watch(sandbox().dir, (_, name) => {
      if (name?.endsWith('.tmp') === true) copies.add(name);
    });
    sandbox().defer(() => {
      copying.close();
    });
    try {
      daemon.start();
      const first = await nextEvent(events$, is('rotate-failed'));
      expect(first.error.message).toContain(`cannot rotate ${log}: `);
      // Two more checks fail the same way, unreported; then the log gets a second name, a new error.
      await waitFor('two more rotations to fail as the first did', () => copies.size >= 3, 5_000);
      linkSync(log, sandbox().path('second-name'));
      await waitFor('the second error to be reported', () => failed.length >= 2, 5_000);
      expect(failed).toEqual([`${log} ${first.error.code}`, `${log} EMLINK`]);
      expect(daemon.state.status).toBe('running');
      expect(readdirSync(sandbox().dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    } finally {
      watching.unsubscribe();
    }
  });
});

const WRITTEN = (1024 * 1024) / 128;

/** The numbers of the flood's lines, each checked to be whole. */
const numbered = (lines: readonly string[]): number[] =>
  lines.map((line) => {
    expect(line).toMatch(/^line \d+ x+$/);
    expect(line.length).toBe(127);
    return Number(line.split(' ')[1]);
  });
