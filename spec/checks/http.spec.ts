import type { Socket } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { asyncScheduler, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckTarget } from '../../lib/checks/check.js';
import { http } from '../../lib/checks/http.js';
import { attempt$ } from '../../lib/checks/run-check.js';
import { waitFor } from '../helpers/real-processes.js';
import { closed, expectNoSocketLeft, listening } from './helpers.js';

const target: CheckTarget = { pid: process.pid, scheduler: asyncScheduler };

describe('checks.http', () => {
  let server: Server | undefined;
  let requests: IncomingMessage[] = [];
  const open = new Set<Socket>();
  const serve = async (handle: (res: ServerResponse) => void): Promise<string> => {
    server = createServer((req, res) => {
      requests.push(req);
      handle(res);
    });
    server.on('connection', (socket) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    });
    return `http://127.0.0.1:${await listening(server)}`;
  };
  afterEach(async () => {
    server?.closeAllConnections();
    await closed(server);
    server = undefined;
    requests = [];
  });

  it('passes on a 2xx, with a GET and no connection left open', async () => {
    const base = await serve((res) => res.writeHead(204).end());
    expect(await firstValueFrom(attempt$(http(`${base}/healthz`), target, 1_000))).toEqual({ ok: true });
    expect(requests.map((req) => [req.method, req.url, req.headers.connection])).toEqual([['GET', '/healthz', 'close']]);
    await waitFor('the server to see its connection closed', () => open.size === 0);
    await expectNoSocketLeft();
  });

  it('fails on any other status, saying which and where, without the URL’s credentials or query', async () => {
    const base = await serve((res) => res.writeHead(503).end('down'));
    const url = base.replace('http://', 'http://admin:hunter2@') + '/healthz?token=s3cret#x';
    expect(await firstValueFrom(attempt$(http(url), target, 1_000))).toEqual({ ok: false, error: { code: 'EHTTPSTATUS', message: `HTTP 503 from ${base}/healthz` } });
    await expectNoSocketLeft();
  });

  it('takes expectStatus to say which statuses pass; one that throws fails the attempt', async () => {
    const base = await serve((res) => res.writeHead(404).end());
    expect(await firstValueFrom(attempt$(http(base, { expectStatus: (status) => status < 500 }), target, 1_000))).toEqual({ ok: true });
    expect(await firstValueFrom(attempt$(http(base, { expectStatus: (status) => status === 200 }), target, 1_000))).toMatchObject({ ok: false, error: { message: `HTTP 404 from ${base}/` } });
    const throws = http(base, {
      expectStatus: () => {
        throw new Error('bad predicate');
      },
    });
    expect(await firstValueFrom(attempt$(throws, target, 1_000))).toMatchObject({ ok: false, error: { message: 'bad predicate' } });
  });

  it('does not read a body that never ends: the status decides, and the request is destroyed', async () => {
    const base = await serve((res) => {
      res.writeHead(200);
      res.write('streaming…');
    });
    expect(await firstValueFrom(attempt$(http(base), target, 1_000))).toEqual({ ok: true });
    await expectNoSocketLeft();
  });

  it('fails with the errno when nothing listens', async () => {
    const base = await serve(() => undefined);
    server?.close();
    server = undefined;
    expect(await firstValueFrom(attempt$(http(`${base}/ready`), target, 1_000))).toEqual({
      ok: false,
      error: { code: 'ECONNREFUSED', message: `GET ${base}/ready: connect ECONNREFUSED ${base.slice('http://'.length)}` },
    });
  });

  it('a server that never answers: the attempt times out and its request is let go, with its socket', async () => {
    const base = await serve(() => undefined);
    expect(await firstValueFrom(attempt$(http(base), target, 100))).toEqual({ ok: false, error: { code: 'ETIMEDOUT', message: 'no answer within 100 ms' } });
    await waitFor('the server to see the request’s connection closed', () => open.size === 0);
    await expectNoSocketLeft();
  });

  it('refuses what is not an http: or https: URL, and an expectStatus that is not a function', () => {
    expect(() => http('ftp://example.com/')).toThrow('Expected the `url` option to be an http: or https: URL, got `ftp://example.com/` (string).');
    expect(() => http('not a url')).toThrow(TypeError);
    expect(() => http(42 as unknown as string)).toThrow(TypeError);
    expect(() => http('http://127.0.0.1/', { expectStatus: 200 as unknown as () => boolean })).toThrow('Expected the `expectStatus` option to be a function');
    expect(() => http(new URL('https://127.0.0.1/'))).not.toThrow();
  });
});
