import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timer } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DaemonEvent } from '../../lib/events.js';
import { fileSystem, type FileSource } from '../../lib/fs/file-source.js';
import { readTail } from '../../lib/output/tail.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxdaemon-tail-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readTail', () => {
  it('the last lines from where the run began; a last line without its newline counts; none of an earlier run', () => {
    const path = join(dir, 'err.log');
    writeFileSync(path, 'earlier run\nstarting\nbind: address in use\nfatal');
    expect(readTail(fileSystem, path, 12, 2)).toEqual(['bind: address in use', 'fatal']);
    expect(readTail(fileSystem, path, 12, 20)).toEqual(['starting', 'bind: address in use', 'fatal']);
    expect(readTail(fileSystem, path, 0, 0)).toEqual([]);
  });

  it('a file truncated since the run began (a rotation) is read from its start; a missing file, a symlink give nothing', () => {
    const path = join(dir, 'err.log');
    writeFileSync(path, 'after rotation\n');
    expect(readTail(fileSystem, path, 5_000, 5)).toEqual(['after rotation']);
    expect(readTail(fileSystem, join(dir, 'missing.log'), 0, 5)).toEqual([]);
    symlinkSync(path, join(dir, 'link.log'));
    expect(readTail(fileSystem, join(dir, 'link.log'), 0, 5)).toEqual([]);
  });

  it('reads at most the last 64 KiB, dropping the line cut at its start', () => {
    const path = join(dir, 'big.log');
    writeFileSync(path, `${'x'.repeat(70_000)}\nlast\n`);
    expect(readTail(fileSystem, path, 0, 5)).toEqual(['last']);
    // A read that begins exactly at a line's start keeps that line.
    const whole = `${'w'.repeat(65_535)}\n`;
    writeFileSync(path, `earlier\n${whole}`);
    expect(readTail(fileSystem, path, 0, 5)).toEqual(['w'.repeat(65_535)]);
    writeFileSync(path, `earlier\nz${whole}`);
    expect(readTail(fileSystem, path, 0, 5)).toEqual([]);
  });
});

describe('readTail across rotations the source counts', () => {
  /** Files in memory, all rotated `rotations` times so far. */
  const memory = (files: Record<string, string>, rotations: number): FileSource => ({
    look: (path) => (files[path] === undefined ? undefined : { size: Buffer.byteLength(files[path]), ino: 1, rotations }),
    read: (path, offset, length) => Buffer.from(files[path] ?? '').subarray(offset, offset + length),
  });

  it("a rotation since the run began, the file regrown past where the run began: the run's lines from .1 on, then the file, none cut", () => {
    // The run began at byte 12 of the file (after "earlier run\n"), which was then rotated once and regrew past 12.
    const source = memory({ '/err': 'after rotation, a long line\nfatal\n', '/err.1': 'earlier run\nstarting\nbefore rotation\n', '/err.2': 'older\n' }, 5);
    expect(readTail(source, '/err', 12, 10, 4)).toEqual(['starting', 'before rotation', 'after rotation, a long line', 'fatal']);
    expect(readTail(source, '/err', 12, 2, 4)).toEqual(['after rotation, a long line', 'fatal']);
    // Not rotated since: the file from where the run began.
    expect(readTail(source, '/err', 28, 10, 5)).toEqual(['fatal']);
  });

  it('two rotations since: the copy of the first from where the run began, the later copy whole, the file', () => {
    const source = memory({ '/err': 'third\n', '/err.1': 'second\n', '/err.2': 'earlier\nfirst\n' }, 2);
    expect(readTail(source, '/err', 8, 10, 0)).toEqual(['first', 'second', 'third']);
  });

  it('at most 64 KiB back across the copies, dropping the line cut at its start', () => {
    const source = memory({ '/err': 'last\n', '/err.1': `${'x'.repeat(70_000)}\nbefore last\n` }, 1);
    expect(readTail(source, '/err', 0, 5, 0)).toEqual(['before last', 'last']);
  });
});

describe('exited.tail: the crash report', () => {
  it('carries the last tailLines lines of stderr, else (no stderr file, or nothing written to it) stdout, else none', () => {
    const driver = new FakeDriver({ exitAfterMs: 10, exitCode: 1 });
    driver.files.set('/err', 'a\nb\nc\n');
    driver.files.set('/out', 'x\ny\n');
    const tails: (readonly string[])[] = [];
    const collect = (event: DaemonEvent) => event.type === 'exited' && tails.push(event.tail);
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver, stderr: { file: '/err' }, stdout: { file: '/out' }, tailLines: 2, stop$: timer(5) }).subscribe(collect);
      supervise({ command: 'x' }, { driver, stdout: { file: '/out' }, stop$: timer(5) }).subscribe(collect);
      supervise({ command: 'x' }, { driver, stop$: timer(5) }).subscribe(collect);
      supervise({ command: 'x' }, { driver, stderr: { file: '/empty' }, stdout: { file: '/out' }, stop$: timer(5) }).subscribe(collect);
    });
    expect(tails).toEqual([['b', 'c'], ['x', 'y'], [], ['x', 'y']]);
  });
});
