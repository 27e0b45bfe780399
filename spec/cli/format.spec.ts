import { describe, expect, it } from 'vitest';
import { formatEvent, wantsColour, type PrintedEvent } from '../../lib/cli/format.js';

const at = new Date('2026-11-26T12:34:56.789Z');

describe('formatEvent', () => {
  it.each<[PrintedEvent, string]>([
    [{ type: 'spawning', at: 0, id: 'web', attempt: 2 }, '12:34:56.789 [web] spawning (attempt 2)'],
    [{ type: 'started', at: 0, id: 'web', pid: 42, attempt: 1 }, '12:34:56.789 [web] started pid 42 (attempt 1)'],
    [{ type: 'adopted', at: 0, pid: 42 }, '12:34:56.789 adopted pid 42'],
    [{ type: 'stable', at: 0, pid: 42 }, '12:34:56.789 pid 42 is stable'],
    [{ type: 'stopping', at: 0, pid: 42, signal: 'SIGINT' }, '12:34:56.789 sent SIGINT to pid 42'],
    [{ type: 'killing', at: 0, pid: 42, signal: 'SIGKILL' }, '12:34:56.789 sent SIGKILL to pid 42'],
    [{ type: 'stopped', at: 0 }, '12:34:56.789 stopped'],
    [{ type: 'exited', at: 0, id: 'web', pid: 42, code: null, signal: 'SIGKILL', adopted: false, attempt: 1, runMs: 5, requested: false, tail: [] }, '12:34:56.789 [web] pid 42 exited by SIGKILL'],
    [{ type: 'exited', at: 0, pid: 42, code: 3, signal: null, adopted: false, attempt: 1, runMs: 5, requested: false, tail: [] }, '12:34:56.789 pid 42 exited with code 3'],
    [{ type: 'exited', at: 0, pid: 42, code: null, signal: null, adopted: true, attempt: 0, runMs: 5, requested: false, tail: [] }, '12:34:56.789 pid 42 exited'],
    [{ type: 'backoff', at: 0, attempt: 4, delayMs: 2000 }, '12:34:56.789 waiting 2000 ms before attempt 4'],
    [{ type: 'spawn-failed', at: 0, attempt: 1, error: { code: 'ENOENT', message: 'spawn x ENOENT' } }, '12:34:56.789 spawn failed (attempt 1): spawn x ENOENT'],
    [{ type: 'closed', at: 0, pid: 7 }, '12:34:56.789 closed, pid 7 left running'],
    [{ type: 'closed', at: 0 }, '12:34:56.789 closed'],
    [{ type: 'gave-up', at: 0, attempts: 5, reason: 'attempts-exhausted' }, '12:34:56.789 gave up after 5 attempts (attempts-exhausted)'],
    [{ type: 'pidfile-error', at: 0, path: '/p', error: { code: 'EACCES', message: 'denied' } }, '12:34:56.789 pid file /p: denied'],
    [{ type: 'reconcile', at: 0, started: ['a'], stopped: [], replaced: ['b', 'c'], unchanged: 2 }, '12:34:56.789 reconcile: started a; stopped -; replaced b, c; 2 unchanged'],
    [{ type: 'invalid-entry', at: 0, id: '../x', message: 'bad' }, '12:34:56.789 skipped "../x": bad'],
    [{ type: 'restore-skipped', at: 0, id: 'a', code: 'EDEAD', message: 'process 9 is gone' }, '12:34:56.789 not restoring a: process 9 is gone'],
    [{ type: 'restored', at: 0, adopted: [] }, '12:34:56.789 restored: adopted -'],
    [{ type: 'snapshot-written', at: 0, path: '/s', daemons: 3 }, '12:34:56.789 snapshot of 3 daemons written'],
    [{ type: 'snapshot-error', at: 0, path: '/s', error: { code: 'EROFS', message: 'read-only' } }, '12:34:56.789 snapshot /s not written: read-only'],
    [{ type: 'snapshot-corrupt', at: 0, path: '/s', movedTo: '/s.c', message: 'bad JSON' }, '12:34:56.789 snapshot /s unreadable (bad JSON); kept as /s.c, starting empty'],
    [{ type: 'manager-refused', at: 0, code: 'ELOCKED', message: 'in use' }, '12:34:56.789 refused to start: in use'],
    [{ type: 'manager-closed', at: 0 }, '12:34:56.789 manager closed; daemons left running'],
    [{ type: 'manager-stopped', at: 0 }, '12:34:56.789 manager stopped; every daemon stopped'],
  ])('%j', (event, line) => {
    expect(formatEvent(event, false, at)).toBe(line);
  });

  it('colours by how much an event matters, only when asked', () => {
    expect(formatEvent({ type: 'gave-up', at: 0, attempts: 1, reason: 'restarts-exhausted' }, true, at)).toContain('\u001B[31m');
    expect(formatEvent({ type: 'backoff', at: 0, attempt: 4, delayMs: 1 }, true, at)).toContain('\u001B[33m');
    expect(formatEvent({ type: 'started', at: 0, pid: 1, attempt: 1 }, true, at)).toContain('\u001B[32m');
    expect(formatEvent({ type: 'started', at: 0, pid: 1, attempt: 1 }, false, at)).not.toContain('\u001B[');
  });

  it('wants colour on a terminal only, and never with NO_COLOR', () => {
    expect(wantsColour({ isTTY: false })).toBe(false);
    const saved = process.env.NO_COLOR;
    process.env.NO_COLOR = '1';
    expect(wantsColour({ isTTY: true })).toBe(false);
    delete process.env.NO_COLOR;
    expect(wantsColour({ isTTY: true })).toBe(true);
    if (saved !== undefined) process.env.NO_COLOR = saved;
  });
});
