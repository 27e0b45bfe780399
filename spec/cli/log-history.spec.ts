import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logHistory } from '../../lib/cli/log-history.js';
import type { LogTarget } from '../../lib/cli/log-targets.js';

const dir = mkdtempSync(join(tmpdir(), 'rxdaemon-history-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A log holding `lines` (and `partial`, no newline), last written `secondsAgo`. */
const log = (id: string, stream: 'stdout' | 'stderr', lines: readonly string[], secondsAgo: number, partial = ''): LogTarget => {
  const path = join(dir, `${id}-${stream}.log`);
  writeFileSync(path, `${lines.map((line) => `${line}\n`).join('')}${partial}`);
  const at = Date.now() / 1000 - secondsAgo;
  utimesSync(path, at, at);
  return { id, stream, path };
};
const numbered = (name: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${name} ${i + 1}`);
const shown = (targets: readonly LogTarget[], count: number, follow = false): string[] =>
  logHistory(targets, count, follow).lines.map(({ id, stream, text }) => `${id} ${stream}: ${text}`);

describe('logHistory: the last N lines of several logs, N in all', () => {
  it('shares N evenly, each log in its order, the one written to last laid last', () => {
    const out = log('web', 'stdout', numbered('o', 10), 1);
    const err = log('web', 'stderr', numbered('e', 10), 5);
    expect(shown([out, err], 4)).toEqual(['web stderr: e 9', 'web stderr: e 10', 'web stdout: o 9', 'web stdout: o 10']);
  });

  it('a log with fewer lines than its share leaves the rest to the others; the odd line goes to the log laid last', () => {
    const quiet = log('a', 'stdout', ['only'], 3);
    const busy = log('b', 'stdout', numbered('b', 10), 2);
    const other = log('c', 'stdout', numbered('c', 10), 1);
    expect(shown([quiet, busy, other], 6)).toEqual(['a stdout: only', 'b stdout: b 9', 'b stdout: b 10', 'c stdout: c 8', 'c stdout: c 9', 'c stdout: c 10']);
    expect(shown([quiet, busy], 0)).toEqual([]);
    expect(shown([quiet], 5)).toEqual(['a stdout: only']);
  });

  it('a line still being written ends its log, unless followed: then following begins after the last newline, where it will be read whole', () => {
    const target = log('web', 'stdout', ['done'], 1, 'half');
    expect(shown([target], 5)).toEqual(['web stdout: done', 'web stdout: half']);
    const followed = logHistory([target], 5, true);
    expect(followed.lines.map(({ text }) => text)).toEqual(['done']);
    expect(followed.starts).toEqual([{ ...target, from: 5 }]);
  });

  it('says which logs are empty, and which cannot be read, showing the rest', () => {
    const empty = log('quiet', 'stdout', [], 1);
    const missing: LogTarget = { id: 'new', stream: 'stderr', path: join(dir, 'new-stderr.log') };
    const unreadable: LogTarget = { id: 'dir', stream: 'stdout', path: dir };
    const history = logHistory([empty, missing, unreadable, log('web', 'stdout', ['hi'], 1)], 5, false);
    expect(history.lines.map(({ text }) => text)).toEqual(['hi']);
    expect(history.empty).toEqual([empty, missing]);
    expect(history.problems).toEqual([`cannot read ${dir}: ${dir} is not a regular file`]);
  });
});
