import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncScheduler, firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Check, CheckTarget } from '../../lib/checks/check.js';
import { output } from '../../lib/checks/output.js';
import { attempt$, type Verdict } from '../../lib/checks/run-check.js';

const PASSED: Verdict = { ok: true };
const noMatch = (pattern: string, stream = 'stdout'): Verdict => ({ ok: false, error: { code: 'ENOMATCH', message: `no new line of ${stream} matches ${pattern}` } });

describe('checks.output', () => {
  let dir: string;
  let log: string;
  // Each run of a daemon has its own target object.
  const run = (files: Partial<Pick<CheckTarget, 'stdout' | 'stderr' | 'stdoutStart'>> = { stdout: log }): CheckTarget => ({ pid: process.pid, scheduler: asyncScheduler, ...files });
  const attempt = (check: Check, target: CheckTarget): Promise<Verdict> => firstValueFrom(attempt$(check, target, 1_000));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxdaemon-output-'));
    log = join(dir, 'web-stdout.log');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes on a line the run writes after the check first looked, never on one of an earlier run', async () => {
    writeFileSync(log, 'listening on 8080\n');
    const check = output(/listening/);
    const target = run();
    expect(await attempt(check, target)).toEqual(noMatch('/listening/'));
    appendFileSync(log, 'loading\n');
    expect(await attempt(check, target)).toEqual(noMatch('/listening/'));
    appendFileSync(log, 'listening on 8081\n');
    expect(await attempt(check, target)).toEqual(PASSED);
  });

  it('reads from where the target says the run began, lines written before the first look included', async () => {
    writeFileSync(log, 'listening (an earlier run)\n');
    const start = 'listening (an earlier run)\n'.length;
    appendFileSync(log, 'listening\n');
    const check = output(/^listening$/);
    expect(await attempt(check, { ...run(), stdoutStart: start })).toEqual(PASSED);
    expect(await attempt(output(/earlier/), { ...run(), stdoutStart: start })).toEqual(noMatch('/earlier/'));
  });

  it('matches a line written in two parts only once it is whole', async () => {
    writeFileSync(log, '');
    const check = output(/^listening on \d+$/);
    const target = run();
    await attempt(check, target);
    appendFileSync(log, 'listening o');
    expect(await attempt(check, target)).toEqual(noMatch('/^listening on \\d+$/'));
    appendFileSync(log, 'n 8080\r\n');
    expect(await attempt(check, target)).toEqual(PASSED);
  });

  it('as a health check, passes on a line written since the previous attempt', async () => {
    writeFileSync(log, '');
    const check = output(/tick/g);
    const target = run();
    await attempt(check, target);
    appendFileSync(log, 'tick\ntick\n');
    expect(await attempt(check, target)).toEqual(PASSED);
    expect(await attempt(check, target)).toEqual(noMatch('/tick/'));
    appendFileSync(log, 'tick\n');
    expect(await attempt(check, target)).toEqual(PASSED);
  });

  it('a second check of the same run reads from where the run began, not from its own first look', async () => {
    writeFileSync(log, 'tick (an earlier run)\n');
    const target = run();
    await attempt(output(/listening/), target);
    appendFileSync(log, 'listening\ntick\n');
    expect(await attempt(output(/tick/), target)).toEqual(PASSED);
  });

  it('a new run begins where the file ends then', async () => {
    writeFileSync(log, '');
    const check = output(/listening/);
    const first = run();
    await attempt(check, first);
    appendFileSync(log, 'listening\n');
    expect(await attempt(check, first)).toEqual(PASSED);
    const second = run();
    expect(await attempt(check, second)).toEqual(noMatch('/listening/'));
    appendFileSync(log, 'listening\n');
    expect(await attempt(check, second)).toEqual(PASSED);
  });

  it('reads a file truncated in place (rotation) from its start', async () => {
    writeFileSync(log, 'x'.repeat(1_000) + '\n');
    const check = output(/listening/);
    const target = run();
    await attempt(check, target);
    truncateSync(log, 0);
    appendFileSync(log, 'listening\n');
    expect(await attempt(check, target)).toEqual(PASSED);
  });

  it('reads a file put in the place of the old one from its start, even when it is longer', async () => {
    writeFileSync(log, 'old\n');
    const check = output(/listening/);
    const target = run();
    await attempt(check, target);
    writeFileSync(join(dir, 'new.log'), 'a longer first line\nlistening\n');
    renameSync(join(dir, 'new.log'), log);
    expect(await attempt(check, target)).toEqual(PASSED);
  });

  it('a file not there at the first look: everything it will hold is the run’s', async () => {
    const check = output(/listening/);
    const target = run();
    expect(await attempt(check, target)).toEqual(noMatch('/listening/'));
    writeFileSync(log, 'listening\n');
    expect(await attempt(check, target)).toEqual(PASSED);
  });

  it('reads stderr when asked to', async () => {
    const err = join(dir, 'web-stderr.log');
    writeFileSync(log, '');
    writeFileSync(err, '');
    const check = output(/ready/, 'stderr');
    const target = run({ stdout: log, stderr: err });
    await attempt(check, target);
    appendFileSync(log, 'ready\n');
    expect(await attempt(check, target)).toEqual(noMatch('/ready/', 'stderr'));
    appendFileSync(err, 'ready\n');
    expect(await attempt(check, target)).toEqual(PASSED);
  });

  it('reads a long output in chunks, more than one look’s 1 MiB in one attempt, finds a line anywhere in it, and reads none of it again', async () => {
    writeFileSync(log, '');
    const check = output(/^listening$/);
    const target = run();
    await attempt(check, target);
    appendFileSync(log, `${'noise '.repeat(30_000)}\n${'more noise\n'.repeat(100_000)}listening\n${'more noise\n'.repeat(20_000)}`);
    expect(await attempt(check, target)).toEqual(PASSED);
    expect(await attempt(check, target)).toEqual(noMatch('/^listening$/'));
  });

  it('fails, naming the option, for a daemon whose stream is not a file', async () => {
    expect(await attempt(output(/x/), run({}))).toEqual({
      ok: false,
      error: { code: 'ENOOUTPUT', message: "checks.output needs the daemon's stdout to be a file (`stdout: { file }`, or a manager's data dir)" },
    });
    expect(await attempt(output(/x/, 'stderr'), run({ stdout: log }))).toMatchObject({ ok: false, error: { code: 'ENOOUTPUT', message: expect.stringContaining("daemon's stderr") as unknown } });
  });

  it('fails with the errno for an output file it cannot read', async () => {
    const check = output(/x/);
    expect(await attempt(check, run({ stdout: dir }))).toMatchObject({ ok: false, error: { code: 'EINVAL', message: `cannot read ${dir}: it is not a regular file` } });
  });

  it('refuses a pattern that is not a RegExp, and another stream', () => {
    expect(() => output('listening' as unknown as RegExp)).toThrow('Expected the `pattern` option to be a RegExp, got `listening` (string).');
    expect(() => output(/x/, 'stdin' as 'stdout')).toThrow('Expected the `stream` option to be one of `stdout`, `stderr`, got `stdin` (string).');
  });
});
