import { accessSync, constants, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filter, firstValueFrom, map, timeout, toArray, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import type { DaemonEvent } from '../../lib/events.js';
import { freePort } from '../helpers/free-port.js';
import { fastRestarts } from '../helpers/policy.js';
import { fate, statFields, type Fate } from '../helpers/process-fate.js';
import { is, nextEvent, readIfThere, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

// Finding 7 of issue 8, with real processes: when a group leader dies, what
// is left of its group is SIGKILLed before the respawn and before `stopped`
// (S5), so a dead master's workers never keep its port from the new one.

const sandbox = sandboxPerTest();

const GROUP_LEADER = fileURLToPath(new URL('../fixtures/group-leader.mjs', import.meta.url));

/** The processes of the process group `pgid` that are not gone, each with its {@link Fate}. */
const group = (pgid: number): Record<number, Fate> => {
  const members: Record<number, Fate> = {};
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (Number(statFields(Number(name))[2]) !== pgid) continue;
    } catch {
      continue;
    }
    const seen = fate(Number(name));
    if (seen !== 'gone') members[Number(name)] = seen;
  }
  return members;
};

/** The processes of the group `pgid` that are alive: neither gone nor dying. */
const aliveIn = (pgid: number): number[] =>
  Object.entries(group(pgid))
    .filter(([, seen]) => seen === 'alive')
    .map(([pid]) => Number(pid));

/** Waits until nothing of the group `pgid` is left but zombies. */
const groupGone = (pgid: number): Promise<void> => waitFor(`the group of ${pgid} to be gone`, () => Object.keys(group(pgid)).length === 0, 2_000);

/** Everything `port` answers to a bare TCP connection. */
const ask = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error(`no answer on port ${port}`)));
    socket.on('data', (data) => (text += data.toString()));
    socket.on('end', () => {
      resolve(text);
    });
    socket.on('error', reject);
  });

/** The body of `GET /` on `port`, without keep-alive. */
const httpGet = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2_000 }, (response) => {
      let body = '';
      response.on('data', (data: Buffer) => (body += data.toString()));
      response.on('end', () => {
        resolve(body);
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer on port ${port}`)));
    request.on('error', reject);
  });

/**
 * What `look` returns when it is called at the very moment the first event
 * matching `predicate` is emitted, before anything else runs. Subscribe
 * before the event can happen: `events$` is hot.
 */
const lookAt = <T>(daemon: Daemon, predicate: (event: DaemonEvent) => boolean, look: () => T): Promise<T> =>
  firstValueFrom(daemon.events$.pipe(filter(predicate), map(look), timeout(10_000)));

/** Every event of a daemon that has ended. */
const allEvents = (events$: Observable<DaemonEvent>): Promise<DaemonEvent[]> => firstValueFrom(events$.pipe(toArray()));

/** The exits the supervisor did not ask for, as `pid code signal`. */
const unrequestedExits = (events: DaemonEvent[]): string[] =>
  events.filter(is('exited', (e) => !e.requested)).map((e) => `${e.pid} ${String(e.code)} ${String(e.signal)}`);

describe('a group leader with a worker that holds its port (like an nginx master)', () => {
  const leader = (port: number, state: string, ...flags: string[]) => ({
    command: process.execPath,
    args: [GROUP_LEADER, '--port', String(port), '--state', state, ...flags],
  });

  /** The worker of the leader `pid`, once it holds the port; owned by the sandbox, since it can outlive its leader. */
  const workerOf = async (state: string, pid: number): Promise<number> => {
    const read = () => JSON.parse(readIfThere(state) ?? '{}') as { leader?: number; worker?: number };
    await waitFor(`leader ${pid} to hand its port to a worker`, () => read().leader === pid);
    return sandbox().own(read().worker ?? -1);
  };

  it('SIGKILLed from outside: its worker is SIGKILLed before the respawn starts, and the new leader binds the port', async () => {
    const port = await freePort();
    const state = sandbox().path('state.json');
    const daemon = new Daemon(leader(port, state), { restart: fastRestarts });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const first = await nextEvent(events$, is('started'));
    const worker = await workerOf(state, first.pid);
    expect(await ask(port)).toBe(`${worker}\n`);

    const atRespawn = lookAt(daemon, is('started', (e) => e.attempt === 2), () => ({ worker: fate(worker), alive: aliveIn(first.pid) }));
    process.kill(first.pid, 'SIGKILL');
    const seen = await atRespawn;
    expect(seen.alive).toEqual([]);
    expect(['gone', 'dying']).toContain(seen.worker);
    await groupGone(first.pid);

    const second = await nextEvent(events$, is('started', (e) => e.attempt === 2));
    const newWorker = await workerOf(state, second.pid);
    expect(await ask(port)).toBe(`${newWorker}\n`);
    await daemon.stop();
    // The respawned leader bound the port: it never exited 98 (EADDRINUSE).
    expect(unrequestedExits(await allEvents(events$))).toEqual([`${first.pid} null SIGKILL`]);
  });

  it('with killProcessGroup off, the worker outlives its leader and the respawn crash-loops on the taken port', async () => {
    const port = await freePort();
    const state = sandbox().path('state.json');
    const daemon = new Daemon(leader(port, state), { restart: fastRestarts, killProcessGroup: false });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const first = await nextEvent(events$, is('started'));
    const worker = await workerOf(state, first.pid);
    process.kill(first.pid, 'SIGKILL');
    await nextEvent(events$, is('exited', (e) => e.code === 98));
    expect(fate(worker)).toBe('alive');
    expect(await ask(port)).toBe(`${worker}\n`);
    await daemon.stop();
    // The sandbox ends the orphaned worker.
  });

  it('stopped while its worker ignores SIGINT: the worker is SIGKILLed by `stopped`, long before the grace period ends', async () => {
    const port = await freePort();
    const state = sandbox().path('state.json');
    const daemon = new Daemon(leader(port, state, '--worker-sigint', 'ignore'), { gracefulStopMs: 10_000 });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const { pid } = await nextEvent(events$, is('started'));
    const worker = await workerOf(state, pid);

    const atStopped = lookAt(daemon, is('stopped'), () => ({ worker: fate(worker), alive: aliveIn(pid) }));
    const asked = Date.now();
    await daemon.stop();
    expect(Date.now() - asked).toBeLessThan(5_000);
    const seen = await atStopped;
    expect(seen.alive).toEqual([]);
    expect(['gone', 'dying']).toContain(seen.worker);
    await groupGone(pid);
    // The leader ended on SIGINT by itself: no SIGKILL of the stop's, the group's leftovers ended all the same.
    const events = await allEvents(events$);
    expect(events.map((e) => e.type)).toEqual(['spawning', 'started', 'ready', 'stopping', 'exited', 'stopped']);
    expect(events.find(is('exited'))).toMatchObject({ pid, code: 0, signal: null, requested: true });
  });

  it('the same with killProcessGroup off: the worker is still there after `stopped`', async () => {
    const port = await freePort();
    const state = sandbox().path('state.json');
    const daemon = new Daemon(leader(port, state, '--worker-sigint', 'ignore'), { killProcessGroup: false, gracefulStopMs: 10_000 });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const { pid } = await nextEvent(events$, is('started'));
    const worker = await workerOf(state, pid);
    await daemon.stop();
    expect(group(pid)).toEqual({ [worker]: 'alive' });
  });
});

/** nginx's binary, where a Debian package or a build from source puts it. */
const NGINX = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin']
  .filter((dir) => dir.length > 0)
  .map((dir) => join(dir, 'nginx'))
  .find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

const INSTALL_NGINX = 'nginx is not installed: these specs skip. Install it with `apt-get install -y nginx` (or nginx-light) to run them.';
if (NGINX === undefined) console.warn(`spec/integration/group.spec.ts: ${INSTALL_NGINX}`);

describe.skipIf(NGINX === undefined)(NGINX === undefined ? `real nginx: SKIPPED, ${INSTALL_NGINX}` : 'real nginx, master and 2 workers', () => {
  /** nginx in the foreground, everything it writes under `dir`; each worker answers `GET /` with its own pid. */
  const nginx = (dir: string, port: number) => {
    const config = [
      // Root would run the workers as `nobody` by default; one user keeps the test to what it is about.
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      'events { worker_connections 64; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${dir}/${kind};`),
      `  server { listen 127.0.0.1:${port}; location / { return 200 "$pid\\n"; } }`,
      '}',
    ];
    writeFileSync(join(dir, 'nginx.conf'), `${config.join('\n')}\n`);
    return {
      command: NGINX ?? 'nginx',
      args: [
        ...['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
        ...['-g', `daemon off; master_process on; worker_processes 2; pid ${dir}/nginx.pid; error_log ${dir}/error.log;`],
      ],
    };
  };

  /** The workers of the master `pid`, once both answer on `port`; owned by the sandbox. */
  const workersOf = async (pid: number, port: number): Promise<number[]> => {
    const workers = () => aliveIn(pid).filter((member) => member !== pid);
    await waitFor(`master ${pid} to start 2 workers`, () => workers().length === 2);
    let answered = '';
    await waitFor(
      () => `port ${port} to answer with a worker of ${pid}; it answered ${JSON.stringify(answered)}`,
      async () => {
        answered = await httpGet(port).catch(() => '');
        return workers().map((worker) => `${worker}\n`).includes(answered);
      },
    );
    return workers().map((worker) => sandbox().own(worker));
  };

  it('master SIGKILLed from outside: its workers are SIGKILLed before the respawn starts, and the new nginx serves the port', async () => {
    const port = await freePort();
    const daemon = new Daemon(nginx(sandbox().dir, port), { restart: fastRestarts, stopSignal: 'SIGQUIT' });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const first = await nextEvent(events$, is('started'));
    const workers = await workersOf(first.pid, port);

    const atRespawn = lookAt(daemon, is('started', (e) => e.attempt === 2), () => ({ workers: workers.map(fate), alive: aliveIn(first.pid) }));
    process.kill(first.pid, 'SIGKILL');
    const seen = await atRespawn;
    expect(seen.alive).toEqual([]);
    expect(seen.workers.filter((worker) => worker === 'alive')).toEqual([]);
    await groupGone(first.pid);

    const second = await nextEvent(events$, is('started', (e) => e.attempt === 2));
    await workersOf(second.pid, port);
    await daemon.stop();
    expect(unrequestedExits(await allEvents(events$))).toEqual([`${first.pid} null SIGKILL`]);
    expect(readFileSync(sandbox().path('error.log'), 'utf8')).not.toContain('Address already in use');
  });

  it('with killProcessGroup off, the orphaned workers keep the port and the respawned nginx gives up on bind()', async () => {
    const port = await freePort();
    const daemon = new Daemon(nginx(sandbox().dir, port), { restart: fastRestarts, stopSignal: 'SIGQUIT', killProcessGroup: false });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const first = await nextEvent(events$, is('started'));
    const workers = await workersOf(first.pid, port);
    process.kill(first.pid, 'SIGKILL');
    // nginx retries bind() for about 2.5 s before it exits 1.
    await nextEvent(events$, is('exited', (e) => e.attempt === 2 && e.code === 1), 10_000);
    expect(workers.map(fate)).toEqual(['alive', 'alive']);
    expect(workers.map((worker) => `${worker}\n`)).toContain(await httpGet(port));
    expect(readFileSync(sandbox().path('error.log'), 'utf8')).toContain('Address already in use');
    await daemon.stop();
    // The sandbox ends the orphaned workers.
  });

  it('stop() with SIGQUIT ends the master and its workers', async () => {
    const port = await freePort();
    const daemon = new Daemon(nginx(sandbox().dir, port), { stopSignal: 'SIGQUIT', gracefulStopMs: 10_000 });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const { pid } = await nextEvent(events$, is('started'));
    const workers = await workersOf(pid, port);
    const atStopped = lookAt(daemon, is('stopped'), () => group(pid));
    await daemon.stop();
    // nginx's workers end on SIGQUIT before their master does: nothing is left to kill.
    expect(await atStopped).toEqual({});
    expect(workers.map(fate)).toEqual(['gone', 'gone']);
    const events = await allEvents(events$);
    expect(events.map((e) => e.type)).toEqual(['spawning', 'started', 'ready', 'stopping', 'exited', 'stopped']);
    expect(events.find(is('stopping'))).toMatchObject({ pid, signal: 'SIGQUIT' });
    expect(events.find(is('exited'))).toMatchObject({ pid, code: 0, signal: null, requested: true });
    await expect(httpGet(port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
