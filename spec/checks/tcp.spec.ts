import { createServer, type Server, type Socket } from 'node:net';
import { asyncScheduler, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckTarget } from '../../lib/checks/check.js';
import { attempt$ } from '../../lib/checks/run-check.js';
import { tcp } from '../../lib/checks/tcp.js';
import { waitFor } from '../helpers/real-processes.js';
import { closed, expectNoSocketLeft, listening } from './helpers.js';

const target: CheckTarget = { pid: process.pid, scheduler: asyncScheduler };

describe('checks.tcp', () => {
  let server: Server | undefined;
  const open = new Set<Socket>();
  afterEach(async () => {
    for (const socket of open) socket.destroy();
    await closed(server);
    server = undefined;
  });

  it('passes when the port accepts a connection, and closes it at once', async () => {
    server = createServer((socket) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    });
    const port = await listening(server);
    expect(await firstValueFrom(attempt$(tcp(port), target, 1_000))).toEqual({ ok: true });
    await waitFor('the server to see the connection closed', () => open.size === 0);
    await expectNoSocketLeft();
  });

  it('fails with the errno when nothing listens', async () => {
    server = createServer();
    const port = await listening(server);
    await closed(server);
    server = undefined;
    expect(await firstValueFrom(attempt$(tcp(port), target, 1_000))).toEqual({ ok: false, error: { code: 'ECONNREFUSED', message: `connect ECONNREFUSED 127.0.0.1:${port}` } });
    await expectNoSocketLeft();
  });

  it('destroys the socket of an attempt let go before it connected', async () => {
    server = createServer();
    const port = await listening(server);
    const subscription = tcp(port)(target);
    if (!('subscribe' in subscription)) throw new Error('an Observable was expected');
    subscription.subscribe().unsubscribe();
    await expectNoSocketLeft();
  });

  it('refuses a port or host it cannot connect to, naming the option', () => {
    expect(() => tcp(0)).toThrow('Expected the `port` option to be an integer between 1 and 65535, got `0` (number).');
    expect(() => tcp(65_536)).toThrow(TypeError);
    expect(() => tcp(80.5)).toThrow(TypeError);
    expect(() => tcp('80' as unknown as number)).toThrow('Expected the `port` option to be an integer between 1 and 65535, got `80` (string).');
    expect(() => tcp(80, '')).toThrow('Expected the `host` option to be a non-empty string');
  });
});
