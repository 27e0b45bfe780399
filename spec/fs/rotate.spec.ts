import { chownSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rotateLog, rotationsOf } from '../../lib/fs/rotate.js';

// On the real file system; no process is started.
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxdaemon-rotate-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The outcome, or a failure of the test once `ms` have passed: a copy that hangs must not hang the suite. */
const within = async <T>(ms: number, rotation: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => {
      fail(new Error(`the rotation did not end within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([rotation, late]);
  } finally {
    clearTimeout(timer);
  }
};

const temps = (): string[] => readdirSync(dir).filter((name) => name.endsWith('.tmp'));
const codeOf = (outcome: Either<NodeJS.ErrnoException, boolean>): string | undefined => (isLeft(outcome) ? outcome.left.code : undefined);

describe('rotateLog on the file system', () => {
  it('copies the file to .1 (the others up one, the oldest dropped), empties it, counts it; a file within maxBytes, a missing one, a symlink: not needed', async () => {
    const log = join(dir, 'out.log');
    writeFileSync(log, 'x'.repeat(100));
    writeFileSync(`${log}.1`, 'one');
    writeFileSync(`${log}.2`, 'two');
    const before = rotationsOf(log);
    expect(await within(5_000, rotateLog(log, 10, 2))).toEqual({ _tag: 'Right', right: true });
    expect([readFileSync(log, 'utf8'), readFileSync(`${log}.1`, 'utf8'), readFileSync(`${log}.2`, 'utf8'), existsSync(`${log}.3`)]).toEqual(['', 'x'.repeat(100), 'one', false]);
    expect(statSync(`${log}.1`).mode & 0o777).toBe(0o600);
    expect(rotationsOf(log)).toBe(before + 1);
    expect(await rotateLog(log, 10, 2)).toEqual({ _tag: 'Right', right: false });
    expect(await rotateLog(join(dir, 'missing.log'), 10, 2)).toEqual({ _tag: 'Right', right: false });
    expect(temps()).toEqual([]);
  });

  it('a file that shrinks during the copy: the rotation ends (no endless copy), and leaves no temp file', async () => {
    const log = join(dir, 'big.log');
    writeFileSync(log, Buffer.alloc(32 * 1024 * 1024, 'y'));
    const rotation = rotateLog(log, 1024, 1);
    // Shrunk once the copy has begun: the temp file holds its first bytes.
    let shrunk = false;
    const watch = setInterval(() => {
      if (shrunk || !temps().some((name) => statSync(join(dir, name)).size > 0)) return;
      truncateSync(log, 100);
      shrunk = true;
    }, 0);
    try {
      const outcome = await within(10_000, rotation);
      expect(shrunk).toBe(true);
      expect(isRight(outcome)).toBe(true);
    } finally {
      clearInterval(watch);
    }
    expect(statSync(log).size).toBe(0);
    expect(temps()).toEqual([]);
  });

  it('a failure removes the copy under way, leaves the log whole, and says why', async () => {
    const log = join(dir, 'out.log');
    writeFileSync(log, 'z'.repeat(5_000));
    // .1 is a directory with something in it: the copy cannot be renamed there.
    mkdirSync(`${log}.1`);
    writeFileSync(join(`${log}.1`, 'inside'), '');
    const outcome = await within(5_000, rotateLog(log, 10, 1));
    expect(codeOf(outcome)).toMatch(/^(EISDIR|ENOTEMPTY|EEXIST)$/);
    expect(isLeft(outcome) && outcome.left.message).toContain(`cannot rotate ${log}`);
    expect(temps()).toEqual([]);
    expect(readFileSync(log, 'utf8')).toBe('z'.repeat(5_000));
  });

  it("refuses a log with a second hard link, or owned by another user: someone else's file is never truncated", async () => {
    // Someone else's file (nobody's), hard-linked where the log is.
    const theirs = join(dir, 'theirs');
    writeFileSync(theirs, 'their data\n'.repeat(100));
    chownSync(theirs, 65_534, 65_534);
    const planted = join(dir, 'planted.log');
    linkSync(theirs, planted);
    const linked = await rotateLog(planted, 10, 1);
    expect(codeOf(linked)).toBe('EMLINK');
    expect(isLeft(linked) && linked.left.message).toBe(`cannot rotate ${planted}: it has 2 hard links, not one`);
    rmSync(planted);
    // Not a link, but still not ours.
    const owned = await rotateLog(theirs, 10, 1);
    expect(codeOf(owned)).toBe('EPERM');
    expect(isLeft(owned) && owned.left.message).toBe(`cannot rotate ${theirs}: it is owned by uid 65534, not by you (uid 0)`);
    expect(readFileSync(theirs, 'utf8')).toBe('their data\n'.repeat(100));
    expect(readdirSync(dir)).toEqual(['theirs']);
  });

  it('one rotation of a path at a time: a second asked for meanwhile gets the outcome of the first, and nothing is rotated twice', async () => {
    const log = join(dir, 'shared.log');
    writeFileSync(log, Buffer.alloc(4 * 1024 * 1024, 'w'));
    const before = rotationsOf(log);
    const [first, second] = await within(10_000, Promise.all([rotateLog(log, 10, 3), rotateLog(join(dir, '.', 'shared.log'), 10, 3)]));
    expect([first, second]).toEqual([
      { _tag: 'Right', right: true },
      { _tag: 'Right', right: true },
    ]);
    expect(rotationsOf(log) - before).toBe(1);
    expect([statSync(`${log}.1`).size, existsSync(`${log}.2`)]).toEqual([4 * 1024 * 1024, false]);
  });
});
