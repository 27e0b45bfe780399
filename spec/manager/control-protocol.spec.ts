import { describe, expect, it } from 'vitest';
import { decodeAnswer, decodeRequest, LineBuffer, lineOf } from '../../lib/manager/control-protocol.js';

describe('control.sock protocol: requests', () => {
  it.each([
    ['{"type":"status"}', { type: 'status' }],
    ['{"type":"metrics"}', { type: 'metrics' }],
    ['{"type":"shutdown"}', { type: 'shutdown' }],
    ['{"type":"restart","id":"web"}', { type: 'restart', id: 'web' }],
    ['{"type":"stop","id":"web"}', { type: 'stop', id: 'web' }],
    ['{"type":"start","id":"web"}', { type: 'start', id: 'web' }],
    ['{"type":"logs","id":"web"}', { type: 'logs', id: 'web' }],
    ['{"type":"logs","id":"web","stream":"stderr","lines":0,"follow":true}', { type: 'logs', id: 'web', stream: 'stderr', lines: 0, follow: true }],
    ['{"type":"outputs"}', { type: 'outputs' }],
  ])('%s is a request', (line, request) => {
    expect(decodeRequest(line)).toEqual({ _tag: 'Right', right: request });
  });

  it.each([
    ['', /the request is not JSON/],
    ['{"type":"status"', /the request is not JSON/],
    ['42', /expected an object with a `type` \(status, metrics, restart, stop, start, logs, shutdown, outputs\)/],
    ['{"id":"web"}', /expected an object with a `type`/],
    ['{"type":"reboot"}', /`type`: expected one of status, metrics, restart, stop, start, logs, shutdown, outputs, got "reboot"/],
    ['{"type":"restart"}', /^`id`: expected string, got undefined$/],
    ['{"type":"stop","id":7}', /^`id`: expected string, got 7$/],
    ['{"type":"logs","id":"web","lines":-1}', /^`lines`: expected a non-negative integer, got -1$/],
    ['{"type":"logs","id":"web","lines":1.5}', /`lines`: expected a non-negative integer/],
    ['{"type":"logs","id":"web","stream":"stdin","follow":"yes"}', /`stream`: expected 'stdout' or 'stderr', got 'stdin'; `follow`: expected boolean, got 'yes'/],
  ])('%j is refused, saying why and naming the field', (line, why) => {
    const decoded = decodeRequest(line);
    expect(decoded._tag).toBe('Left');
    expect(decoded._tag === 'Left' ? decoded.left : '').toMatch(why);
  });

  it('ignores a field it does not know (a newer client may send more)', () => {
    expect(decodeRequest('{"type":"status","verbose":true}')._tag).toBe('Right');
  });
});

describe('control.sock protocol: answers', () => {
  const report = { id: 'web', status: 'running', pid: 42, since: 1, uptimeMs: 2, restarts: 0, lastExit: null, cpuPercent: 0.5, rssBytes: 4096, cause: null };

  it.each([
    [{ type: 'status', pid: 7, daemons: [report, { ...report, id: 'db', pid: null, lastExit: { code: 3, signal: null, at: 5 }, cause: 'exited with code 3' }] }],
    // The manager's header: since when it runs, and the config it serves.
    [{ type: 'status', pid: 7, since: 1_800_000_000_000, config: '/etc/rxdaemon/services.json', daemons: [report] }],
    [{ type: 'metrics', text: '# HELP rxdaemon_up x\n# TYPE rxdaemon_up gauge\nrxdaemon_up{id="web"} 1\n' }],
    [{ type: 'shutdown', pid: 7 }],
    [{ type: 'ok', outcome: 'already-running', status: 'running', pid: 42 }],
    [{ type: 'ok', outcome: 'started', status: 'idle', cause: 'waiting for db to be ready' }],
    [{ type: 'error', code: 'EREFUSED', message: 'no' }],
    [{ type: 'line', text: 'hello' }],
    [{ type: 'note', message: 'web has written nothing to its stdout yet (/logs/web-stdout.log)' }],
    [{ type: 'end' }],
    [{ type: 'outputs', daemons: [{ id: 'web', stdout: '/logs/web-stdout.log', stderr: '/logs/web-stderr.log' }, { id: 'quiet' }] }],
  ] as const)('%j goes through a line and back', (answer) => {
    const line = lineOf(answer);
    expect(line.endsWith('\n')).toBe(true);
    expect(decodeAnswer(line.trimEnd())).toEqual({ _tag: 'Right', right: answer });
  });

  it.each([
    ['not JSON', 'nope', /the answer is not JSON/],
    ['an unknown type', '{"type":"hello"}', /not an answer of this rxdaemon/],
    ['a report without its fields', '{"type":"status","pid":1,"daemons":[{"id":"a"}]}', /`daemons.0.status`: expected string/],
    ['an ok without what the request came to', '{"type":"ok"}', /`outcome`/],
  ])('%s is not an answer', (_, line, why) => {
    const decoded = decodeAnswer(line);
    expect(decoded._tag === 'Left' ? decoded.left : 'decoded').toMatch(why);
  });
});

describe('LineBuffer', () => {
  it('cuts chunks into lines, keeping an unfinished one for the next chunk', () => {
    const buffer = new LineBuffer();
    expect(buffer.push('{"a":')).toEqual([]);
    expect(buffer.pendingLength).toBe(5);
    expect(buffer.push('1}\n{"b":2}\n{')).toEqual(['{"a":1}', '{"b":2}']);
    expect(buffer.push('}\n')).toEqual(['{}']);
    expect(buffer.pendingLength).toBe(0);
  });
});
