import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { concat, NEVER, of, throwError, type Observable, type Subscription } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlAnswer, ControlLine } from '../../lib/manager/control-protocol.js';
import { controlServer$ } from '../../lib/manager/control-server.js';
import type { ControlErrorEvent } from '../../lib/manager/events.js';
import { waitFor } from '../helpers/real-processes.js';

let dir: string;
let path: string;
let serving: Subscription | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxdaemon-control-'));
  path = join(dir, 'control.sock');
});
afterEach(() => {
  serving?.unsubscribe();
  rmSync(dir, { recursive: true, force: true });
});

/** Answers a status with a fixed line, a restart of `boom` with a bug, a logs request with one line and then never another. */
const answer = (request: ControlLine): Observable<ControlAnswer> => {
  if (request.type === 'status' || request.type === 'metrics' || request.type === 'outputs') return of({ type: 'status', pid: 1, daemons: [] });
  if (request.type === 'logs') return concat(of<ControlAnswer>({ type: 'line', text: 'first' }), NEVER);
  if (request.type === 'shutdown') return of({ type: 'shutdown', pid: 1 });
  return request.id === 'boom' ? throwError(() => new Error('a bug')) : of<ControlAnswer>({ type: 'ok', outcome: 'restarted', status: 'starting', pid: 42 });
};

const serve = (): ControlErrorEvent[] => {
  const events: ControlErrorEvent[] = [];
  serving = controlServer$(path, answer, () => 0).subscribe((event) => events.push(event));
  return events;
};

/** Writes `text` to the socket, half-closes, and resolves with every line the server wrote before it ended the connection. */
const exchange = (text: string, onData: () => void = () => undefined): Promise<string[]> =>
  new Promise((resolve, reject) => {
    const socket = connect(path);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.end(text));
    socket.on('data', (chunk: string) => {
      received += chunk;
      onData();
    });
    socket.on('end', () => { resolve(received.split('\n').filter((line) => line !== '')); });
    socket.on('error', reject);
  });

describe('controlServer$: control.sock', () => {
  it('is a socket of mode 0600, removed when the server is unsubscribed', async () => {
    expect(serve()).toEqual([]);
    await exchange('{"type":"status"}\n');
    const stats = lstatSync(path);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);
    serving?.unsubscribe();
    await waitFor('the socket to be removed', () => !existsSync(path));
  });

  it('answers each line in order; a malformed one gets an error line and the connection goes on', async () => {
    serve();
    const lines = await exchange('{"type":"status"}\nnot json\n\n{"type":"restart"}\n{"type":"restart","id":"web"}\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { type: 'status', pid: 1, daemons: [] },
      { type: 'error', code: 'EPROTO', message: expect.stringContaining('the request is not JSON') as unknown },
      { type: 'error', code: 'EPROTO', message: '`id`: expected string, got undefined' },
      { type: 'ok', outcome: 'restarted', status: 'starting', pid: 42 },
    ]);
  });

  it('a bug in answering is the client’s error line; the server serves on', async () => {
    serve();
    expect(await exchange('{"type":"stop","id":"boom"}\n')).toEqual([JSON.stringify({ type: 'error', code: 'EINTERNAL', message: 'a bug' })]);
    expect(await exchange('{"type":"stop","id":"web"}\n')).toEqual(['{"type":"ok","outcome":"restarted","status":"starting","pid":42}']);
  });

  it('a request line past 64 KiB is refused and the connection ended', async () => {
    serve();
    const lines = await exchange(`{"type":"status","pad":"${'x'.repeat(70_000)}`);
    expect(lines).toEqual([JSON.stringify({ type: 'error', code: 'EPROTO', message: 'a request line longer than 65536 characters' })]);
  });

  it('unsubscribing ends the connections it serves, a followed log included', async () => {
    serve();
    const ended = exchange('{"type":"logs","id":"web","follow":true}\n', () => serving?.unsubscribe());
    expect(await ended).toEqual(['{"type":"line","text":"first"}']);
  });

  /** What is at the socket's path, in words. */
  const found = (): string => (lstatSync(path).isSymbolicLink() ? `a symlink to ${relative(dir, readlinkSync(path))}` : `a file holding ${readFileSync(path, 'utf8')}`);

  it.each([
    ['a regular file', () => { writeFileSync(path, 'mine'); }, 'a regular file', 'a file holding mine'],
    ['a symlink', () => { symlinkSync(join(dir, 'elsewhere'), path); }, 'a symlink', 'a symlink to elsewhere'],
  ])('leaves %s at its path alone, and says so (control-error), never following or removing it', (_, plant, kind, left) => {
    plant();
    const events = serve();
    expect(events).toEqual([
      { type: 'control-error', at: 0, path, error: { code: 'EEXIST', message: `${path} is ${kind}, not a socket; it is left alone (remove it, then restart the manager)` } },
    ]);
    const stats = lstatSync(path);
    expect(stats.isSocket()).toBe(false);
    expect(found()).toBe(left);
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false);
  });

  it('refuses a path too long for a unix socket, rather than let it be cut short (and made elsewhere)', () => {
    path = join(dir, 'x'.repeat(120), 'control.sock');
    const [event] = serve();
    expect(event?.error.code).toBe('ENAMETOOLONG');
    expect(event?.error.message).toContain('a unix socket\'s path can be at most 107');
  });
});
