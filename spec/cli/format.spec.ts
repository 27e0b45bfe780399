import { describe, expect, it } from 'vitest';
import { formatEvent, formatLogLine, formatOutputLine, idWidthOf, isFailure, localTime, wantsColour, type LineStyle, type PrintedEvent } from '../../lib/cli/format.js';

const at = new Date('2026-11-26T12:34:56.789Z');
const plain: LineStyle = { colour: false, idWidth: 0 };
const RED = '\u001B[31m';

describe('localTime', () => {
  it.each([
    [60, '2026-11-26 13:34:56.789+01:00'],
    [0, '2026-11-26 12:34:56.789+00:00'],
    [330, '2026-11-26 18:04:56.789+05:30'],
    [-210, '2026-11-26 09:04:56.789-03:30'],
    [-720, '2026-11-26 00:34:56.789-12:00'],
    [690, '2026-11-27 00:04:56.789+11:30'],
  ])('at %i minutes east of UTC: %s', (offset, text) => {
    expect(localTime(at, offset)).toBe(text);
  });

  it('is in this process’s zone by default', () => {
    expect(localTime(at)).toBe(localTime(at, -at.getTimezoneOffset()));
  });
});

describe('formatEvent', () => {
  it.each<[PrintedEvent, string]>([
    [{ type: 'spawning', at: 0, id: 'web', attempt: 2 }, '[web] spawning (attempt 2)'],
    [{ type: 'started', at: 0, id: 'web', pid: 42, attempt: 1 }, '[web] started pid 42 (attempt 1)'],
    [{ type: 'adopted', at: 0, pid: 42, attempt: 0, startedAt: 0 }, 'adopted pid 42'],
    [{ type: 'stable', at: 0, pid: 42 }, 'pid 42 is stable'],
    [{ type: 'stopping', at: 0, pid: 42, signal: 'SIGINT', reason: 'stop' }, 'sent SIGINT to pid 42'],
    [{ type: 'killing', at: 0, pid: 42, signal: 'SIGKILL' }, 'sent SIGKILL to pid 42'],
    [{ type: 'stopped', at: 0 }, 'stopped'],
    [{ type: 'exited', at: 0, id: 'web', pid: 42, code: null, signal: 'SIGKILL', adopted: false, attempt: 1, runMs: 5, requested: false, tail: [] }, '[web] pid 42 exited by SIGKILL'],
    [{ type: 'exited', at: 0, pid: 42, code: 3, signal: null, adopted: false, attempt: 1, runMs: 5, requested: false, tail: [] }, 'pid 42 exited with code 3'],
    [{ type: 'exited', at: 0, pid: 42, code: null, signal: null, adopted: true, attempt: 0, runMs: 5, requested: false, tail: [] }, 'pid 42 exited'],
    [{ type: 'backoff', at: 0, attempt: 4, delayMs: 2000 }, 'waiting 2000 ms before attempt 4'],
    [{ type: 'spawn-failed', at: 0, attempt: 1, error: { code: 'ENOENT', message: 'spawn x ENOENT' } }, 'spawn failed (attempt 1): spawn x ENOENT'],
    [{ type: 'closed', at: 0, pid: 7 }, 'closed, pid 7 left running'],
    [{ type: 'closed', at: 0 }, 'closed'],
    [{ type: 'gave-up', at: 0, attempts: 5, reason: 'attempts-exhausted' }, 'gave up after 5 attempts'],
    [{ type: 'gave-up', at: 0, attempts: 2, reason: 'restarts-exhausted', limit: { max: 5, withinMs: 60_000 } }, 'gave up after 5 restarts in 60 s'],
    [{ type: 'gave-up', at: 0, attempts: 1, reason: 'spawn-failed', error: { code: 'ENOENT', message: 'spawn x ENOENT' } }, 'gave up after a failed spawn'],
    [
      { type: 'dependency-failed', at: 0, id: 'web', dependency: 'migrate', how: 'completed', cause: 'waiting for migrate to complete: migrate exited with code 3' },
      'web is waiting for migrate to complete: migrate exited with code 3 (its dependency migrate: completed)',
    ],
    [{ type: 'already-completed', at: 0, id: 'migrate', completedAt: 0 }, 'migrate completed with exit code 0 under an earlier manager, in this boot: not run again'],
    [{ type: 'pidfile-error', at: 0, path: '/p', error: { code: 'EACCES', message: 'denied' } }, 'pid file /p: denied'],
    [{ type: 'rotate-failed', at: 0, path: '/l', error: { code: 'EMLINK', message: 'cannot rotate /l: it has 2 hard links, not one' } }, 'log rotation: cannot rotate /l: it has 2 hard links, not one'],
    [{ type: 'reconcile', at: 0, started: ['a'], stopped: [], replaced: ['b', 'c'], unchanged: 2 }, 'reconcile: started a; stopped -; replaced b, c; 2 unchanged'],
    [{ type: 'invalid-entry', at: 0, id: '../x', message: 'bad' }, 'skipped "../x": bad'],
    [{ type: 'restore-skipped', at: 0, id: 'a', code: 'EDEAD', message: 'process 9 is gone' }, 'not restoring a: process 9 is gone'],
    [{ type: 'restored', at: 0, adopted: [] }, 'restored: adopted -'],
    [{ type: 'snapshot-written', at: 0, path: '/s', daemons: 3 }, 'snapshot of 3 daemons written'],
    [{ type: 'snapshot-error', at: 0, path: '/s', error: { code: 'EROFS', message: 'read-only' } }, 'snapshot /s not written: read-only'],
    [{ type: 'snapshot-corrupt', at: 0, path: '/s', movedTo: '/s.c', message: 'bad JSON' }, 'snapshot /s unreadable (bad JSON); kept as /s.c, starting empty'],
    [{ type: 'manager-refused', at: 0, code: 'ELOCKED', message: 'in use' }, 'refused to start: in use'],
    [{ type: 'manager-closed', at: 0 }, 'manager closed; daemons left running'],
    [{ type: 'manager-stopped', at: 0 }, 'manager stopped; every daemon stopped'],
  ])('%j', (event, line) => {
    expect(formatEvent(event, plain, at)).toBe(`${localTime(at)} ${line}`);
  });

  it('pads ids to the width, so that what happened starts in one column, a manager’s own lines too', () => {
    const style: LineStyle = { colour: false, idWidth: idWidthOf(['db', 'worker', 'web']) };
    const lines = [
      formatEvent({ type: 'stopped', at: 0, id: 'db' }, style, at),
      formatEvent({ type: 'stopped', at: 0, id: 'worker' }, style, at),
      formatEvent({ type: 'manager-stopped', at: 0 }, style, at),
      formatOutputLine({ id: 'web', stream: 'stdout', text: 'listening' }, style, at),
    ].map((line) => line.slice(localTime(at).length));
    expect(lines).toEqual([' [db]     stopped', ' [worker] stopped', '          manager stopped; every daemon stopped', ' [web]    | listening']);
  });

  it('marks a log line’s stream in a way a pipe keeps (no colour): | stdout, ! stderr; ids padded so the text starts in one column', () => {
    const style: LineStyle = { colour: false, idWidth: idWidthOf(['web', 'worker']) };
    expect([
      formatLogLine({ id: 'web', stream: 'stdout', text: 'listening' }, style),
      formatLogLine({ id: 'worker', stream: 'stderr', text: 'slow job' }, style),
      formatOutputLine({ id: 'web', stream: 'stderr', text: 'oops' }, style, at).slice(localTime(at).length),
    ]).toEqual(['[web]    | listening', '[worker] ! slow job', ' [web]    ! oops']);
    expect(formatLogLine({ id: 'web', stream: 'stderr', text: 'oops' }, { colour: true, idWidth: 3 })).toContain(`${RED}!`);
  });

  it('leaves an id longer than the width unpadded, one space after it', () => {
    expect(formatEvent({ type: 'stopped', at: 0, id: 'a-long-one' }, { colour: false, idWidth: 3 }, at)).toBe(`${localTime(at)} [a-long-one] stopped`);
  });

  it('colours by how much an event matters, only when asked', () => {
    const colour: LineStyle = { colour: true, idWidth: 0 };
    expect(formatEvent({ type: 'gave-up', at: 0, attempts: 1, reason: 'restarts-exhausted' }, colour, at)).toContain(RED);
    expect(formatEvent({ type: 'backoff', at: 0, attempt: 4, delayMs: 1 }, colour, at)).toContain('\u001B[33m');
    expect(formatEvent({ type: 'started', at: 0, pid: 1, attempt: 1 }, colour, at)).toContain('\u001B[32m');
    expect(formatEvent({ type: 'started', at: 0, pid: 1, attempt: 1 }, plain, at)).not.toContain('\u001B[');
    expect(formatOutputLine({ id: 'web', stream: 'stderr', text: 'hi' }, plain, at)).not.toContain('\u001B[');
  });

  const exited = (fields: { code: number | null; signal: NodeJS.Signals | null; requested: boolean }): PrintedEvent => ({
    type: 'exited',
    at: 0,
    pid: 42,
    adopted: false,
    attempt: 1,
    runMs: 5,
    tail: [],
    ...fields,
  });

  it.each<[string, PrintedEvent]>([
    ['a crash with a code', exited({ code: 3, signal: null, requested: false })],
    ['a crash by a signal', exited({ code: null, signal: 'SIGKILL', requested: false })],
    ['a failed spawn', { type: 'spawn-failed', at: 0, attempt: 1, error: { code: 'ENOENT', message: 'spawn x ENOENT' } }],
    ['a policy that gave up', { type: 'gave-up', at: 0, attempts: 5, reason: 'attempts-exhausted' }],
    ['not ready in time', { type: 'not-ready', at: 0, pid: 42, afterMs: 60_000, error: { code: 'ETIMEDOUT', message: 'timed out' } }],
    ['a failed health check', { type: 'health-failed', at: 0, pid: 42, failures: 1, error: { code: 'ECONNREFUSED', message: 'refused' } }],
    ['unhealthy', { type: 'unhealthy', at: 0, pid: 42, failures: 3, error: { code: 'EHTTPSTATUS', message: 'HTTP 503' } }],
    ['a failing last run', { type: 'completed', at: 0, code: 3, signal: null }],
    ['a refused manager', { type: 'manager-refused', at: 0, code: 'ELOCKED', message: 'in use' }],
    ['a dependency that failed', { type: 'dependency-failed', at: 0, id: 'web', dependency: 'db', how: 'gave-up', cause: 'waiting for db to be ready: db gave up after 3 attempts' }],
  ])('paints %s in the failure colour, on a terminal only', (_, event) => {
    expect(isFailure(event)).toBe(true);
    const text = formatEvent(event, plain, at).slice(localTime(at).length + 1);
    expect(text).not.toContain('\u001B[');
    // What happened, the whole of it, in red.
    expect(formatEvent(event, { colour: true, idWidth: 0 }, at).endsWith(`${RED}${text}\u001B[39m`)).toBe(true);
  });

  it.each<[string, PrintedEvent]>([
    ['an exit that was asked for', exited({ code: null, signal: 'SIGINT', requested: true })],
    ['an exit with code 0', exited({ code: 0, signal: null, requested: false })],
    ['an adopted process gone, how unknown', { type: 'exited', at: 0, pid: 42, code: null, signal: null, adopted: true, attempt: 0, runMs: 5, requested: false, tail: [] }],
    ['a run completed with 0', { type: 'completed', at: 0, code: 0, signal: null }],
    ['a backoff', { type: 'backoff', at: 0, attempt: 4, delayMs: 2000 }],
  ])('does not paint %s as a failure', (_, event) => {
    expect(isFailure(event)).toBe(false);
    expect(formatEvent(event, { colour: true, idWidth: 0 }, at)).not.toContain(RED);
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
