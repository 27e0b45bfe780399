import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DaemonEvent } from '../../lib/events.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { cliRuns, cliToEnd, type Cli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { child, isAlive } from '../helpers/real-processes.js';

// Checks as a user writes them, in a config file or on run's command line,
// against real servers: the fixtures' TCP listener and HTTP server.

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const HTTP_SERVER = fixture('http-server.mjs');
const TCP_LISTENER = fixture('tcp-listener.mjs');

/** The TCP listener: listens on 127.0.0.1:PORT after `delayMs`. */
const tcpListener = (port: number, delayMs: number) => ({ command: process.execPath, args: [TCP_LISTENER, String(port), String(delayMs)] });
/** The HTTP server on 127.0.0.1:PORT, with its flags (`--delay MS`, `--fail-after MS`). */
const httpServer = (port: number, ...flags: string[]) => ({ command: process.execPath, args: [HTTP_SERVER, '--port', String(port), ...flags] });
/** A command as `run` takes it, after `--`. */
const argv = ({ command, args }: { command: string; args: string[] }): string[] => [command, ...args];

const { sandbox, start, eventsOf } = cliRuns();

const manage = (daemons: Record<string, unknown>): Cli => {
  const config = sandbox().path('daemons.json');
  writeFileSync(config, JSON.stringify({ daemons }));
  return start('manage', '--json', '--config', config, '--data-dir', sandbox().path('data'));
};
const matching =
  <K extends DaemonEvent['type']>(type: K, id?: string, also: (event: Extract<DaemonEvent, { type: K }>) => boolean = () => true) =>
  (event: ManagerEvent | DaemonEvent): event is Extract<DaemonEvent, { type: K }> =>
    event.type === type && (id === undefined || ('id' in event && event.id === id)) && also(event as Extract<DaemonEvent, { type: K }>);
/** Waits for the event, and gives it with its type. */
const awaited = async <K extends DaemonEvent['type']>(run: Cli, type: K, id?: string, also?: (event: Extract<DaemonEvent, { type: K }>) => boolean): Promise<Extract<DaemonEvent, { type: K }>> => {
  const event = await run.event(`${type}${id === undefined ? '' : ` of ${id}`}`, matching(type, id, also), 15_000);
  eventsOf(run);
  return event as Extract<DaemonEvent, { type: K }>;
};

describe('rxdaemon manage: ready, health and after in the config', () => {
  it('an app with after: ["db"] is spawned only once the db, ready: { "tcp": PORT }, accepts connections; stopped before it', async () => {
    const port = await freePort();
    // The app comes first in the file: the order is after's, not the file's.
    const run = manage({ app: { ...child(), after: ['db'] }, db: { ...tcpListener(port, 800), ready: { tcp: port, intervalMs: 50 } } });
    const appStarted = await awaited(run, 'started', 'app');
    const lines = eventsOf(run).flatMap((event) => (['waiting', 'started', 'ready'].includes(event.type) && event.id !== undefined ? [`${event.type} ${event.id}`] : []));
    expect(lines.indexOf('waiting app')).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf('waiting app')).toBeLessThan(lines.indexOf('started app'));
    expect(lines.indexOf('started db')).toBeLessThan(lines.indexOf('ready db'));
    expect(lines.indexOf('ready db')).toBeLessThan(lines.indexOf('started app'));
    expect(run.events().find((event) => event.type === 'waiting' && event.id === 'app')).toMatchObject({ for: ['db'] });
    // Ready only once the listener listened, 800 ms after its start: the check was a real connection.
    const dbReady = eventsOf(run).find(matching('ready', 'db'));
    expect(dbReady?.afterMs).toBeGreaterThanOrEqual(800);
    expect(appStarted.at).toBeGreaterThanOrEqual(dbReady?.at ?? Number.POSITIVE_INFINITY);

    run.process.kill('SIGINT');
    expect(await run.exited).toBe(0);
    const exits = eventsOf(run).flatMap((event) => (event.type === 'exited' ? [event.id] : []));
    expect(exits).toEqual(['app', 'db']);
    expect([appStarted.pid, dbReady?.pid ?? -1].filter(isAlive)).toEqual([]);
  });

  it('a service with health: { "http": URL } whose server starts failing: health-failed × failures, unhealthy, restarted and ready again', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/healthz`;
    const run = manage({
      web: { ...httpServer(port, '--fail-after', '300'), ready: { http: url, intervalMs: 50 }, health: { http: url, intervalMs: 100, timeoutMs: 1_000, failures: 3 } },
    });
    const first = await awaited(run, 'ready', 'web');
    const unhealthy = await awaited(run, 'unhealthy', 'web');
    expect(unhealthy).toMatchObject({ pid: first.pid, failures: 3 });
    const failed = eventsOf(run).filter(matching('health-failed', 'web'));
    expect(failed.map((event) => [event.failures, event.error])).toEqual([1, 2, 3].map((n) => [n, { code: 'EHTTPSTATUS', message: `HTTP 503 from ${url}` }]));
    expect(await awaited(run, 'exited', 'web')).toMatchObject({ pid: first.pid, requested: true, reason: 'unhealthy' });
    // A fresh server, on the same port once the first let it go: ready again.
    const second = await awaited(run, 'ready', 'web', (event) => event.pid !== first.pid);
    expect(isAlive(first.pid)).toBe(false);
    expect(isAlive(second.pid)).toBe(true);

    run.process.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });
});

describe('rxdaemon manage: paths in the config are the config file’s neighbours', () => {
  it('a relative cwd and a relative exec command are found beside the config, not in the manager’s cwd', async () => {
    mkdirSync(sandbox().path('etc/work'), { recursive: true });
    // Ready once the service wrote its pid in its cwd, etc/work; the script finds it from where it lies.
    writeFileSync(sandbox().path('etc/ready.sh'), '#!/bin/sh\ncd "$(dirname "$0")" && [ -s work/here.pid ]\n');
    chmodSync(sandbox().path('etc/ready.sh'), 0o755);
    const config = sandbox().path('etc/daemons.json');
    writeFileSync(config, JSON.stringify({ daemons: { web: { ...child('--write', 'here.pid'), cwd: 'work', ready: { exec: ['./ready.sh'], intervalMs: 50 } } } }));
    const run = start('manage', '--json', '--config', config, '--data-dir', sandbox().path('data'));
    const ready = await awaited(run, 'ready', 'web');
    expect(readFileSync(sandbox().path('etc/work/here.pid'), 'utf8')).toBe(`${ready.pid}\n`);
    expect(existsSync(sandbox().path('work'))).toBe(false);
    run.process.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });
});

describe('rxdaemon run: --ready-http, --ready-tcp, --ready-timeout', () => {
  it('--ready-http URL waits for the server to answer', async () => {
    const port = await freePort();
    const run = start('run', '--json', '--ready-http', `http://127.0.0.1:${port}/`, '--', ...argv(httpServer(port, '--delay', '600')));
    const started = await awaited(run, 'started');
    const ready = await awaited(run, 'ready');
    expect(ready.pid).toBe(started.pid);
    expect(ready.afterMs).toBeGreaterThanOrEqual(600);
    expect(ready.at - started.at).toBeGreaterThanOrEqual(600);
    run.process.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });

  it('--ready-tcp PORT --ready-timeout MS: a listener that does not listen in time is not-ready, stopped and restarted', async () => {
    const port = await freePort();
    const run = start('run', '--json', '--ready-tcp', String(port), '--ready-timeout', '400', '--', ...argv(tcpListener(port, 60_000)));
    const notReady = await awaited(run, 'not-ready');
    expect(notReady.afterMs).toBeGreaterThanOrEqual(400);
    expect(notReady.afterMs).toBeLessThan(2_000);
    expect(notReady.error.code).toBe('ECONNREFUSED');
    expect(await awaited(run, 'exited')).toMatchObject({ pid: notReady.pid, requested: true, reason: 'not-ready' });
    await awaited(run, 'started', undefined, (event) => event.pid !== notReady.pid);
    expect(eventsOf(run).some((event) => event.type === 'ready')).toBe(false);
    run.process.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });

  it.each([
    [['--ready-tcp', '0'], "--ready-tcp takes a port (an integer between 1 and 65535), got '0'"],
    [['--ready-http', 'localhost:8080'], "--ready-http takes an http: or https: URL, got 'localhost:8080'"],
    [['--ready-timeout', '1000'], '--ready-timeout MS needs --ready-http URL or --ready-tcp PORT'],
  ])('%j is exit 2, naming the flag, and runs nothing', async (flags, message) => {
    const marker = sandbox().path('ran');
    const { code, stderr } = await cliToEnd(['run', ...flags, '--', process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '')`], sandbox().dir);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(existsSync(marker)).toBe(false);
  });
});
