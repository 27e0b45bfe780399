import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BehaviorSubject, takeUntil, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import { supervise } from '../../lib/daemon/supervise.js';
import { Manager } from '../../lib/manager/manager.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

/** Runs `step` at virtual time `at`. */
const at = (ms: number, step: () => void) => timer(ms).subscribe(step);

describe('rotation in virtual time', () => {
  it('a file past maxLogBytes is rotated at the next one-second check, .1 moving to .2, the oldest dropped; no longer once the daemon ended', () => {
    const driver = new FakeDriver();
    const seen: Record<string, (string | undefined)[]> = {};
    const look = (name: string) => () => {
      seen[name] = ['/out', '/out.1', '/out.2', '/out.3'].map((path) => driver.files.get(path));
    };
    inVirtualTime(() => {
      // stdout and stderr share one file: it is rotated once per check, not twice.
      supervise({ command: 'x' }, { driver, stdout: { file: '/out' }, stderr: { file: '/out' }, maxLogBytes: 10, logBackups: 2, stop$: timer(4_500) }).subscribe();
      at(500, () => driver.files.set('/out', 'first run 1\n'));
      at(999, look('999'));
      at(1_000, look('1000'));
      at(1_500, () => driver.files.set('/out', 'second....\nthird.....\n'));
      at(2_000, look('2000'));
      at(2_500, () => driver.files.set('/out', 'fourth....\nfifth.....\n'));
      at(3_000, look('3000'));
      at(3_500, () => driver.files.set('/out', 'ten bytes\n'));
      at(4_000, look('4000'));
      at(5_000, () => driver.files.set('/out', 'after the stop, not rotated\n'));
      at(7_000, look('7000'));
    });
    expect(seen).toEqual({
      '999': ['first run 1\n', undefined, undefined, undefined],
      '1000': ['', 'first run 1\n', undefined, undefined],
      '2000': ['', 'second....\nthird.....\n', 'first run 1\n', undefined],
      '3000': ['', 'fourth....\nfifth.....\n', 'second....\nthird.....\n', undefined],
      // Not past maxLogBytes: left alone.
      '4000': ['ten bytes\n', 'fourth....\nfifth.....\n', 'second....\nthird.....\n', undefined],
      '7000': ['after the stop, not rotated\n', 'fourth....\nfifth.....\n', 'second....\nthird.....\n', undefined],
    });
  });

  it('a failing rotation is a rotate-failed event once per new error, never an end; after a rotation that worked, the error is news again', () => {
    const driver = new FakeDriver();
    driver.files.set('/out', 'x'.repeat(100));
    driver.unwritable.add('/out');
    const seen: string[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver, stdout: { file: '/out' }, maxLogBytes: 10, stop$: timer(6_500) }).subscribe((event) => {
        if (event.type === 'rotate-failed') seen.push(`${event.path} ${event.error.code}@${event.at}`);
        if (event.type === 'stopped') seen.push(`stopped@${event.at}`);
      });
      at(2_500, () => driver.unwritable.delete('/out'));
      at(3_500, () => {
        driver.files.set('/out', 'y'.repeat(100));
        driver.unwritable.add('/out');
      });
    });
    expect(seen).toEqual(['/out EACCES@1000', '/out EACCES@4000', 'stopped@6500']);
    expect(driver.files.get('/out.1')).toBe('x'.repeat(100));
  });

  it('without maxLogBytes nothing is rotated', () => {
    const driver = new FakeDriver();
    driver.files.set('/out', 'x'.repeat(10_000));
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver, stdout: { file: '/out' }, stop$: timer(5_000) }).subscribe();
    });
    expect([...driver.files.keys()]).toEqual(['/out']);
  });
});

describe('Daemon.lines$', () => {
  it('the lines written from the subscription on, read every 200 ms, on across a restart and a rotation', () => {
    const driver = new FakeDriver({ exitAfterMs: 1_000, exitCode: 1 });
    driver.files.set('/out', 'written before\n');
    inVirtualTime(({ expectObservable }) => {
      const daemon = new Daemon({ command: 'x' }, { driver, stdout: { file: '/out' }, restart: consulBackoff({ freeAttempts: 10 }), maxLogBytes: 30 });
      daemon.start();
      at(300, () => driver.files.set('/out', 'written before\nfirst run\n'));
      // The second run (from 1000 ms) appends, past maxLogBytes; the check at 2000 ms rotates; the third line lands in the emptied file.
      at(1_500, () => driver.files.set('/out', `${driver.files.get('/out') ?? ''}second run\n`));
      at(2_100, () => driver.files.set('/out', 'after rotation\n'));
      // It ends with the daemon: the stop at 2900 completes it.
      expectObservable(daemon.lines$('stdout')).toBe('400ms a 1199ms b 599ms c 699ms |', {
        a: 'first run',
        b: 'second run',
        c: 'after rotation',
      });
      at(2_900, () => void daemon.stop());
    });
    expect(driver.spawns.length).toBeGreaterThanOrEqual(2);
    expect(driver.files.get('/out.1')).toBe('written before\nfirst run\nsecond run\n');
  });

  it('a rotation between two looks, the file regrown past where lines$ had read to: every line once, in order', () => {
    const driver = new FakeDriver();
    driver.files.set('/out', '');
    const append = (text: string) => driver.files.set('/out', `${driver.files.get('/out') ?? ''}${text}`);
    inVirtualTime(({ expectObservable }) => {
      const daemon = new Daemon({ command: 'x' }, { driver, stdout: { file: '/out' }, maxLogBytes: 20 });
      daemon.start();
      at(500, () => append('first\nsecond\n'));
      // Unread at the rotation (checked at 1000 ms), so in .1; the file then grows past the 13 bytes read.
      at(950, () => append('third line\n'));
      at(1_050, () => append('fourth line\nfifth line here\n'));
      // Looked at from 100 ms, every 200 ms: 900, then 1100, with the rotation in between.
      // From 100 ms until the daemon's end: the stop at 1500 completes it.
      expectObservable(daemon.lines$('stdout'), '100ms ^').toBe('500ms (ab) 596ms (cde) 395ms |', {
        a: 'first',
        b: 'second',
        c: 'third line',
        d: 'fourth line',
        e: 'fifth line here',
      });
      at(1_500, () => void daemon.stop());
    });
    expect(driver.files.get('/out.1')).toBe('first\nsecond\nthird line\n');
  });

  it('completes when the daemon ends, once its file is read to the end: a line written right before a stop comes first', () => {
    const driver = new FakeDriver();
    driver.files.set('/out', '');
    inVirtualTime(({ expectObservable }) => {
      const daemon = new Daemon({ command: 'x' }, { driver, stdout: { file: '/out' } });
      daemon.start();
      // Looked at every 200 ms: the last look before the stop is at 1000, the line written at 1050, the stop at 1100.
      at(1_050, () => driver.files.set('/out', 'shutting down\n'));
      at(1_100, () => void daemon.stop());
      expectObservable(daemon.lines$('stdout')).toBe('1100ms (a|)', { a: 'shutting down' });
    });
  });

  it('completes at close() too, and at once when subscribed after the end', () => {
    const driver = new FakeDriver();
    driver.files.set('/out', 'before\n');
    inVirtualTime(({ expectObservable }) => {
      const daemon = new Daemon({ command: 'x' }, { driver, stdout: { file: '/out' } });
      daemon.start();
      at(500, () => driver.files.set('/out', 'before\nstill running\n'));
      at(500, () => {
        daemon.close();
      });
      expectObservable(daemon.lines$('stdout')).toBe('500ms (a|)', { a: 'still running' });
      at(600, () => {
        expectObservable(daemon.lines$('stdout')).toBe('600ms |');
      });
    });
  });

  it('an output that is not a file is a TypeError naming the option', () => {
    const daemon = new Daemon({ command: 'x' }, { driver: new FakeDriver(), stdout: 'inherit' });
    expect(() => daemon.lines$('stdout')).toThrow(new TypeError('Expected the `stdout` option to be a { file } to read lines from, got "inherit".'));
    expect(() => daemon.lines$('stderr')).toThrow('Expected the `stderr` option to be a { file } to read lines from, got "ignore".');
  });
});

describe('Manager.lines$', () => {
  it('completes when the manager ends, once the file is read to the end: kill() and close() each, and at once after the end', () => {
    const driver = new FakeDriver();
    driver.files.set('/web.out', '');
    driver.files.set('/api.out', '');
    const desired$ = new BehaviorSubject<DesiredSet>({ web: { command: 'x', stdout: { file: '/web.out' } } });
    const other$ = new BehaviorSubject<DesiredSet>({ api: { command: 'y', stdout: { file: '/api.out' } } });
    inVirtualTime(({ expectObservable }) => {
      const killed = new Manager(desired$, { driver });
      const closed = new Manager(other$, { driver });
      killed.run();
      closed.run();
      // The last looks before the end are at 1000; each line is written after it, the end asked for at 1100.
      at(1_050, () => driver.files.set('/web.out', 'web: bye\n'));
      at(1_050, () => driver.files.set('/api.out', 'api: detached\n'));
      at(1_100, () => void killed.kill());
      at(1_100, () => void closed.close());
      expectObservable(killed.lines$('web', 'stdout')).toBe('1100ms (a|)', { a: 'web: bye' });
      expectObservable(closed.lines$('api', 'stdout')).toBe('1100ms (a|)', { a: 'api: detached' });
      at(1_200, () => {
        expectObservable(killed.lines$('web', 'stdout')).toBe('1200ms |');
      });
    });
  });

  it("reads a daemon's log in the data dir, or the file its service names; a bad id or an output that is no file is a TypeError", () => {
    const driver = new FakeDriver();
    const dataDir = mkdtempSync(join(tmpdir(), 'rxdaemon-output-'));
    driver.files.set(join(dataDir, 'logs/web-stderr.log'), '');
    driver.files.set('/web.out', '');
    const desired$ = new BehaviorSubject<DesiredSet>({ web: { command: 'x', stdout: { file: '/web.out' } }, db: { command: 'y' } });
    inVirtualTime(({ expectObservable }) => {
      // Where a service writes is the desired set's: lines$ reads once run() brought it.
      const withDataDir = new Manager(desired$, { driver, dataDir });
      withDataDir.run();
      expectObservable(withDataDir.lines$('web', 'stderr').pipe(takeUntil(timer(500)))).toBe('200ms a 299ms |', { a: 'boom' });
      at(100, () => driver.files.set(join(dataDir, 'logs/web-stderr.log'), 'boom\n'));
      const manager = new Manager(desired$, { driver });
      manager.run();
      at(1, () => {
        expectObservable(manager.lines$('web', 'stdout').pipe(takeUntil(timer(500)))).toBe('201ms a 299ms |', { a: 'listening' });
        expectObservable(manager.lines$('db', 'stdout')).toBe('-#', undefined, new TypeError('Expected the `stdout` option to be a { file } to read lines from, got none.'));
      });
      at(100, () => driver.files.set('/web.out', 'listening\n'));
      at(2_000, () => void manager.kill());
      at(2_000, () => void withDataDir.kill());
    });
    rmSync(dataDir, { recursive: true, force: true });
    expect(() => new Manager(desired$, { driver }).lines$('../etc', 'stdout')).toThrow(TypeError);
  });
});
