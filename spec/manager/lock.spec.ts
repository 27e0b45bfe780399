import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../lib/manager/lock.js';
import { readProcStat } from '../../lib/process/proc-stat.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxdaemon-lock-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the data dir lock (M7)', () => {
  it('names its owner, and is released only by it', () => {
    const driver = new FakeDriver({}, { ownPid: process.pid });
    const lock = acquireLock(join(dir, 'lock'), driver);
    expect(isRight(lock)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'lock'), 'utf8'))).toEqual({ pid: process.pid, startTime: readProcStat(process.pid)?.startTime });
    if (isRight(lock)) lock.right.release();
    expect(() => readFileSync(join(dir, 'lock'))).toThrow();
  });

  it('is refused while its owner lives, with a message that says what to do', () => {
    const driver = new FakeDriver({}, { ownPid: process.pid });
    const owner = driver.addProcess();
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: owner.pid, startTime: owner.startTime }));
    const lock = acquireLock(join(dir, 'lock'), driver);
    expect(isLeft(lock) && lock.left).toBe(`the data dir is in use by a running manager (pid ${owner.pid}); stop it first, or use another --data-dir`);
  });

  it('takes over the lock of a dead owner, of an owner whose pid was reused, and a corrupt one', () => {
    const driver = new FakeDriver({}, { ownPid: process.pid });
    const reused = driver.addProcess();
    for (const stale of [JSON.stringify({ pid: 99_999, startTime: '1' }), JSON.stringify({ pid: reused.pid, startTime: 'earlier' }), '{ not json']) {
      writeFileSync(join(dir, 'lock'), stale);
      const lock = acquireLock(join(dir, 'lock'), driver);
      expect(isRight(lock)).toBe(true);
      if (isRight(lock)) lock.right.release();
    }
  });

  it('is a Left, not a throw, where the lock cannot be written', () => {
    const lock = acquireLock(join(dir, 'missing-dir', 'lock'), new FakeDriver({}, { ownPid: process.pid }));
    expect(isLeft(lock) && lock.left).toMatch(/^cannot lock the data dir: ENOENT/);
  });
});
