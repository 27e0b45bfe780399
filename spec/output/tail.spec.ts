import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timer } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DaemonEvent } from '../../lib/events.js';
import { fileSystem } from '../../lib/output/file-source.js';
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
