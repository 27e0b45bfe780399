import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncScheduler, filter, firstValueFrom, switchMap, take, timeout, timer, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Check, CheckTarget } from '../../lib/checks/check.js';
import { checks } from '../../lib/checks/index.js';
import { attempt$ } from '../../lib/checks/run-check.js';
import { Daemon } from '../../lib/daemon/daemon.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { freePort } from '../helpers/free-port.js';
import { child, is, isAlive, nextEvent, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const HTTP_SERVER = fixture('http-server.mjs');
const TCP_LISTENER = fixture('tcp-listener.mjs');
const CHECK_COMMAND = fixture('check-command.mjs');

const httpServer = (port: number, ...flags: string[]) => ({ command: process.execPath, args: [HTTP_SERVER, '--port', String(port), ...flags] });

/** A check's target outside a daemon: a process of ours, on the real clock. */
const target: CheckTarget = { pid: process.pid, scheduler: asyncScheduler };

const clientSockets = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

const sandbox = sandboxPerTest();

describe('checks.http against a real server', () => {
  it('a daemon is ready only once its server answers 200', async () => {
    const port = await freePort();
    const listenedAt = sandbox().path('listened');
    const daemon = new Daemon(httpServer(port, '--delay', '400'), { stdout: { file: listenedAt }, ready: { check: checks.http(`http://127.0.0.1:${port}/`), intervalMs: 50 } });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const ready = await nextEvent(events$, is('ready'));
    expect(ready.afterMs).toBeGreaterThanOrEqual(400);
    expect(readFileSync(listenedAt, 'utf8')).toBe(`listening on ${port}\n`);
  });

  it('a server that starts failing its health endpoint: health-failed × failures, unhealthy, then it is restarted', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/healthz`;
    const daemon = new Daemon(httpServer(port, '--fail-after', '300'), {
      ready: { check: checks.http(url), intervalMs: 50 },
      health: { check: checks.http(url), intervalMs: 100, timeoutMs: 1_000, failures: 3 },
      restart: consulBackoff({ freeAttempts: 5 }),
    });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const first = await nextEvent(events$, is('started'));
    // The first run, to the next start (a free attempt: no backoff).
    const run = await firstValueFrom(events$.pipe(take(11), toArray(), timeout(10_000)));
    expect(run.map((e) => e.type)).toEqual(['spawning', 'started', 'ready', 'health-failed', 'health-failed', 'health-failed', 'unhealthy', 'stopping', 'exited', 'spawning', 'started']);
    expect(run.filter(is('health-failed')).map((e) => [e.failures, e.error])).toEqual([1, 2, 3].map((n) => [n, { code: 'EHTTPSTATUS', message: `HTTP 503 from ${url}` }]));
    expect(run.find(is('exited'))).toMatchObject({ requested: true, reason: 'unhealthy' });
    // The second process is a fresh server: ready again.
    await nextEvent(events$, is('ready', (e) => e.pid !== first.pid));
  });

  it('a server that hangs without exiting: each attempt times out and is let go with its connection', async () => {
    const port = await freePort();
    const connections = sandbox().path('connections.json');
    const daemon = new Daemon(httpServer(port, '--hang', '--connections-to', connections), {
      ready: { check: checks.tcp(port), intervalMs: 50 },
      health: { check: checks.http(`http://127.0.0.1:${port}/`), intervalMs: 300, timeoutMs: 100, failures: 1_000 },
    });
    const events$ = sandbox().track(daemon);
    const socketsBefore = clientSockets();
    daemon.start();
    const failed = await firstValueFrom(events$.pipe(filter(is('health-failed')), take(4), toArray()));
    expect(failed.map((e) => [e.failures, e.error.code])).toEqual([1, 2, 3, 4].map((n) => [n, 'ETIMEDOUT']));
    const counts = (): { open: number; max: number; total: number } => JSON.parse(readFileSync(connections, 'utf8')) as { open: number; max: number; total: number };
    // The ready check's connection, then one per health attempt, each closed before the next: never two open at once.
    await waitFor('the server to see every connection closed', () => counts().open === 0 && counts().total >= 5);
    expect(counts().max).toBe(1);
    await waitFor('this process to hold no socket of an attempt', () => clientSockets() <= socketsBefore);
  });
});

describe('checks.tcp against a real listener', () => {
  it('is refused before the listener listens; a daemon is ready once it does', async () => {
    const port = await freePort();
    const daemon = new Daemon({ command: process.execPath, args: [TCP_LISTENER, String(port), '1000'] }, { ready: { check: checks.tcp(port), intervalMs: 50 } });
    const events$ = sandbox().track(daemon);
    daemon.start();
    await nextEvent(events$, is('started'));
    expect(await firstValueFrom(attempt$(checks.tcp(port), target, 1_000))).toEqual({ ok: false, error: { code: 'ECONNREFUSED', message: `connect ECONNREFUSED 127.0.0.1:${port}` } });
    const ready = await nextEvent(events$, is('ready'));
    expect(ready.afterMs).toBeGreaterThanOrEqual(1_000);
    expect(await firstValueFrom(attempt$(checks.tcp(port), target, 1_000))).toEqual({ ok: true });
  });
});

describe('checks.exec with real commands', () => {
  const command = (...args: string[]) => checks.exec(process.execPath, [CHECK_COMMAND, ...args]);

  it('runs without the supervisor’s own id, token and scope in its environment', async () => {
    const kept = { id: process.env.RXDAEMON_ID, token: process.env.RXDAEMON_TOKEN };
    process.env.RXDAEMON_ID = 'outer';
    process.env.RXDAEMON_TOKEN = 'outer-secret';
    try {
      const clean = checks.exec('sh', ['-c', 'test -z "$RXDAEMON_ID$RXDAEMON_TOKEN$RXDAEMON_SCOPE" || { echo leaked; exit 1; }']);
      expect(await firstValueFrom(attempt$(clean, target, 10_000))).toEqual({ ok: true });
    } finally {
      if (kept.id === undefined) delete process.env.RXDAEMON_ID;
      else process.env.RXDAEMON_ID = kept.id;
      if (kept.token === undefined) delete process.env.RXDAEMON_TOKEN;
      else process.env.RXDAEMON_TOKEN = kept.token;
    }
  });

  it('exit 0 passes; a non-zero exit fails with the end of its output; a missing command with its errno', async () => {
    expect(await firstValueFrom(attempt$(command('exit', '0'), target, 10_000))).toEqual({ ok: true });
    expect(await firstValueFrom(attempt$(command('exit', '3'), target, 10_000))).toEqual({ ok: false, error: { code: 'EEXIT', message: 'node exited with code 3: checking…' } });
    expect(await firstValueFrom(attempt$(command('fail'), target, 10_000))).toEqual({
      ok: false,
      error: { code: 'EEXIT', message: 'node exited with code 1: error: connection refused | is the server running?' },
    });
    expect(await firstValueFrom(attempt$(checks.exec('/nonexistent/pg_isready'), target, 10_000))).toEqual({
      ok: false,
      error: { code: 'ENOENT', message: 'cannot run pg_isready: spawn /nonexistent/pg_isready ENOENT' },
    });
  });

  it('a hung check is killed when its attempt times out, with what it started', async () => {
    const pids = sandbox().path('pids');
    expect(await firstValueFrom(attempt$(command('hang', pids), target, 1_500))).toEqual({ ok: false, error: { code: 'ETIMEDOUT', message: 'no answer within 1500 ms' } });
    const [leader = 0, grandchild = 0] = readFileSync(pids, 'utf8').split(' ').map(Number);
    sandbox().own(leader);
    sandbox().own(grandchild);
    await waitFor('the check and its child to be gone', () => !isAlive(leader) && !isAlive(grandchild), 2_000);
  });

  it('a daemon is ready once its exec check passes, and a stop during a hung check kills the check', async () => {
    const marker = sandbox().path('marker');
    const daemon = new Daemon(child('--write', marker), { ready: { check: command('exists', marker), intervalMs: 50 } });
    const events$ = sandbox().track(daemon);
    daemon.start();
    await nextEvent(events$, is('ready'), 10_000);
    expect(existsSync(marker)).toBe(true);

    const pids = sandbox().path('pids');
    const hung = new Daemon(child(), { ready: { check: command('hang', pids) } });
    sandbox().track(hung);
    hung.start();
    await waitFor('the check to run', () => existsSync(pids) && readFileSync(pids, 'utf8').includes(' '), 10_000);
    const [leader = 0, grandchild = 0] = readFileSync(pids, 'utf8').split(' ').map(Number);
    sandbox().own(leader);
    sandbox().own(grandchild);
    await hung.stop();
    await waitFor('the check and its child to be gone', () => !isAlive(leader) && !isAlive(grandchild), 2_000);
  });

  it('loads execa at the first attempt of an exec check, not when the checks are imported', () => {
    const hooks = sandbox().path('hooks.mjs');
    writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  appendFileSync(process.env.MODULE_LOG, url + '\\n');\n  return next(url, context);\n}\n`);
    writeFileSync(sandbox().path('register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
    const script = sandbox().path('lazy.mts');
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs';
import { checks } from ${JSON.stringify(fileURLToPath(new URL('../../lib/checks/index.ts', import.meta.url)))};
const check = checks.exec('true');
appendFileSync(process.env.MODULE_LOG, '--- imported\\n');
// The script lives outside the repository, where rxjs cannot be imported: the attempt is subscribed to as it is.
await new Promise((resolve, reject) => check({ pid: process.pid }).subscribe({ complete: resolve, error: reject }));
`,
    );
    const log = sandbox().path('modules.log');
    execFileSync(process.execPath, ['--import', 'tsx', '--import', sandbox().path('register.mjs'), script], { env: { ...process.env, MODULE_LOG: log }, cwd: join(fileURLToPath(new URL('../..', import.meta.url))) });
    const [atImport = '', afterAttempt = ''] = readFileSync(log, 'utf8').split('--- imported\n');
    expect(atImport).toContain('/lib/checks/exec.ts');
    expect(atImport).not.toContain('/node_modules/execa/');
    expect(afterAttempt).toContain('/node_modules/execa/');
  });
});

describe('checks.output of a real daemon', () => {
  it('a daemon is ready when it prints the line, and a restarted run waits for its own line, not the last run’s', async () => {
    const port = await freePort();
    const stdout = sandbox().path('stdout.log');
    const daemon = new Daemon(httpServer(port, '--delay', '500'), { stdout: { file: stdout }, ready: { check: checks.output(/^listening on \d+$/), intervalMs: 50 } });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const first = await nextEvent(events$, is('ready'));
    expect(first.afterMs).toBeGreaterThanOrEqual(500);
    const restarted = daemon.restart();
    const second = await nextEvent(events$, is('ready', (e) => e.pid !== first.pid));
    await restarted;
    expect(second.afterMs).toBeGreaterThanOrEqual(500);
    expect(readFileSync(stdout, 'utf8')).toBe(`listening on ${port}\nlistening on ${port}\n`);
  });

  // A spawned run's target carries `stdoutStart` (the file's size at the
  // spawn), so a line written before the first look is not missed. A
  // composed check makes that first look late for sure.
  it('a line the process printed before the first look still makes it ready (the run’s output is read from where the file stood at the spawn)', async () => {
    const stdout = sandbox().path('stdout.log');
    writeFileSync(stdout, 'listening (an earlier run)\n');
    const listens = checks.output(/^listening$/);
    const later: Check = (target) => timer(300, target.scheduler).pipe(switchMap(() => listens(target)));
    const daemon = new Daemon({ command: '/bin/sh', args: ['-c', 'echo listening; exec sleep 30'] }, { stdout: { file: stdout }, ready: { check: later, intervalMs: 20, timeoutMs: 2_000 } });
    const events$ = sandbox().track(daemon);
    daemon.start();
    await nextEvent(events$, is('ready'), 5_000);
  });
});
