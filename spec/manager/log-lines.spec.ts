import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ignoreElements, merge, tap, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyLogNote, lastLines, logLines, type LogLinesOptions } from '../../lib/manager/log-lines.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxdaemon-log-lines-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const file = (text: string): string => {
  const path = join(dir, 'web-stdout.log');
  writeFileSync(path, text);
  return path;
};

describe('lastLines: the end of a log, read backwards', () => {
  it.each([
    ['a file ending in a newline', 'a\nb\nc\n', 2, { lines: ['b', 'c'], partial: '' }],
    ['a line still being written', 'a\nb\nhalf', 2, { lines: ['a', 'b'], partial: 'half' }],
    ['fewer lines than asked', 'a\n', 20, { lines: ['a'], partial: '' }],
    ['none asked', 'a\nb\n', 0, { lines: [], partial: '' }],
    ['an empty file', '', 5, { lines: [], partial: '' }],
    ['empty lines, which are lines', 'a\n\n\n', 2, { lines: ['', ''], partial: '' }],
    ['UTF-8', 'dæmon ✓\nnext\n', 2, { lines: ['dæmon ✓', 'next'], partial: '' }],
  ])('%s', (_, text, count, expected) => {
    const path = file(text);
    expect(lastLines(path, count)).toEqual({ _tag: 'Right', right: { ...expected, end: Buffer.byteLength(text) - Buffer.byteLength(expected.partial) } });
  });

  it('reads only the end of a big log, and never a line cut at the start of what it read', () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 97)}`);
    const path = file(`${lines.join('\n')}\n`);
    const last = lastLines(path, 3_000);
    expect(last._tag === 'Right' ? last.right?.lines : undefined).toEqual(lines.slice(-3_000));
  });

  it('says there is no file (Right undefined), and refuses what is not a log', () => {
    expect(lastLines(join(dir, 'none.log'), 5)).toEqual({ _tag: 'Right', right: undefined });
    const link = join(dir, 'link.log');
    symlinkSync(file('secret\n'), link);
    expect(lastLines(link, 5)).toEqual({ _tag: 'Left', left: `${link} is a symlink, not a log` });
    mkdirSync(join(dir, 'a-dir'));
    expect(lastLines(join(dir, 'a-dir'), 5)).toEqual({ _tag: 'Left', left: `${join(dir, 'a-dir')} is not a regular file` });
  });
});

// The lines of a log that can be read.
const logLines$ = (path: string, options: LogLinesOptions) => {
  const log = logLines(path, options);
  if (log._tag === 'Left') throw new Error(log.left);
  return log.right;
};

describe('logLines', () => {
  it('without follow: the last lines and the one being written, then completes', () => {
    const seen: string[] = [];
    let done = false;
    logLines$(file('a\nb\nc\nhal'), { lines: 2, follow: false }).subscribe({ next: (line) => seen.push(line), complete: () => (done = true) });
    expect({ seen, done }).toEqual({ seen: ['b', 'c', 'hal'], done: true });
  });

  it('following: the last lines, then each line once it is written whole, from where the last ones ended', () => {
    const path = file('a\nb\npar');
    new TestScheduler((actual, expected) => { expect(actual).toEqual(expected); }).run(({ expectObservable }) => {
      const write$ = timer(300).pipe(
        tap(() => { appendFileSync(path, 'tial\nc\n'); }),
        ignoreElements(),
      );
      expectObservable(merge(logLines$(path, { lines: 1, follow: true, pollMs: 200 }), write$), '^ 999ms !').toBe('b 399ms (pc)', { b: 'b', p: 'partial', c: 'c' });
    });
  });

  it('following until the end: the lines written since the last look are read, then it completes', () => {
    const path = file('a\n');
    new TestScheduler((actual, expected) => { expect(actual).toEqual(expected); }).run(({ expectObservable, cold }) => {
      const write$ = timer(250).pipe(
        tap(() => { appendFileSync(path, 'last words\n'); }),
        ignoreElements(),
      );
      expectObservable(merge(logLines$(path, { lines: 1, follow: true, pollMs: 200, until: cold('300ms |') }), write$)).toBe('a 299ms (l|)', { a: 'a', l: 'last words' });
    });
  });

  it('refuses, saying why, a log that cannot be read: a Left, not a stream that errs', () => {
    mkdirSync(join(dir, 'a-dir'));
    expect(logLines(join(dir, 'a-dir'), { lines: 1, follow: false })).toEqual({ _tag: 'Left', left: `${join(dir, 'a-dir')} is not a regular file` });
  });
});

describe('emptyLogNote: a log its daemon has written nothing to', () => {
  it('no file, or an empty one with no rotated copy that holds something: said, with the path; anything else: undefined', () => {
    const path = join(dir, 'web-stderr.log');
    const nothing = `web has written nothing to its stderr yet (${path})`;
    expect(emptyLogNote('web', 'stderr', path)).toBe(nothing);
    writeFileSync(path, '');
    expect(emptyLogNote('web', 'stderr', path)).toBe(nothing);
    // Rotated: what it wrote is in .1.
    writeFileSync(`${path}.1`, 'before the rotation\n');
    expect(emptyLogNote('web', 'stderr', path)).toBeUndefined();
    rmSync(`${path}.1`);
    writeFileSync(path, 'half a line');
    expect(emptyLogNote('web', 'stderr', path)).toBeUndefined();
    // Not a log: reading it says what it is.
    mkdirSync(join(dir, 'a-dir'));
    expect(emptyLogNote('web', 'stderr', join(dir, 'a-dir'))).toBeUndefined();
  });
});
