import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import type { DaemonState } from '../../lib/daemon/state.js';
import type { DaemonEvent } from '../../lib/events.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { testScheduler } from '../helpers/virtual-time.js';

const collect = (daemon: Daemon): string[] => {
  const seen: string[] = [];
  daemon.events$.subscribe((event) => seen.push(`${event.type}@${event.at}`));
  return seen;
};

describe('Daemon', () => {
  it('emits nothing inside start(): a subscriber right after it sees `spawning`', () => {
    const scheduler = testScheduler();
    const daemon = new Daemon({ command: 'x' }, { driver: new FakeDriver(), scheduler });
    const inside: DaemonEvent[] = [];
    const sub = daemon.events$.subscribe((event) => inside.push(event));
    expect(isRight(daemon.start())).toBe(true);
    expect(inside).toEqual([]);
    sub.unsubscribe();
    const seen = collect(daemon);
    scheduler.flush();
    expect(seen.slice(0, 3)).toEqual(['spawning@0', 'started@0', 'ready@0']);
  });

  it('S1: start is idempotent', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({}, { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler });
    daemon.start();
    daemon.start();
    scheduler.flush();
    daemon.start();
    scheduler.flush();
    expect(driver.spawns).toHaveLength(1);
  });

  it('S3: stop before start marks it stopped; start is then a Left and spawns nothing', async () => {
    const driver = new FakeDriver();
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler: testScheduler() });
    await daemon.stop();
    const started = daemon.start();
    expect(isLeft(started) && started.left.code).toBe('ESTOPPED');
    expect(daemon.state.status).toBe('stopped');
    expect(driver.spawns).toEqual([]);
  });

  it('S1: start after stop is a Left', async () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({}, { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler });
    daemon.start();
    scheduler.flush();
    const stopped = daemon.stop();
    scheduler.flush();
    await stopped;
    const again = daemon.start();
    expect(isLeft(again) ? again.left : undefined).toEqual({
      code: 'ESTOPPED',
      message: 'the daemon was stopped; create a new Daemon to run the command again',
    });
    expect(driver.spawns).toHaveLength(1);
  });

  it('S3: stop() resolves only when the process is gone, after the grace period and SIGKILL', async () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({ onSigint: 'ignore' }, { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler, gracefulStopMs: 2_000, pidFile: '/x.pid' });
    const seen = collect(daemon);
    daemon.start();
    scheduler.flush();
    let resolved = false;
    const stopped = daemon.stop().then(() => {
      resolved = true;
    });
    scheduler.flush();
    await stopped;
    expect(resolved).toBe(true);
    // flush() ran the healthy timer before stop() was called.
    expect(seen).toEqual(['spawning@0', 'started@0', 'ready@0', 'stable@10000', 'stopping@10000', 'killing@12000', 'exited@12000', 'stopped@12000']);
    expect(driver.processes.get(1000)?.alive).toBe(false);
    expect(driver.files.has('/x.pid')).toBe(false);
  });

  it('S3: stop is idempotent', async () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({}, { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler });
    daemon.start();
    scheduler.flush();
    const first = daemon.stop();
    const second = daemon.stop();
    scheduler.flush();
    await Promise.all([first, second, daemon.stop()]);
    expect(driver.signalLog()).toEqual(['SIGINT 1000@10000']);
  });

  it('a daemon that completed runs no more: start() is a Left (ECOMPLETED) and spawns nothing', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({ exitAfterMs: 50, exitCode: 0 }, { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler, restart: noRestart });
    daemon.start();
    scheduler.flush();
    expect(daemon.state.status).toBe('completed');
    const again = daemon.start();
    scheduler.flush();
    expect(isLeft(again) && again.left.code).toBe('ECOMPLETED');
    expect(driver.spawns).toHaveLength(1);
  });

  it('S4: close leaves it running; stop() is then a no-op and start() a Left', async () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({}, { scheduler });
    const daemon = new Daemon({ command: 'x', id: 'a' }, { driver, scheduler, pidFile: '/a.pid' });
    daemon.start();
    scheduler.flush();
    daemon.close();
    scheduler.flush();
    await daemon.stop();
    const again = daemon.start();
    expect(isLeft(again) && again.left.code).toBe('ECLOSED');
    expect(driver.signals).toEqual([]);
    expect(driver.processes.get(1000)?.alive).toBe(true);
    expect(driver.files.get('/a.pid')).toBe('1000\n');
    expect(daemon.state).toEqual({ status: 'closed', pid: 1000, adopted: false, attempt: 0, restarts: 0, since: 0, cause: 'closed on request' });
  });

  it('state$ follows the life of the process', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver((n) => (n === 1 ? { exitAfterMs: 100, exitCode: 1 } : {}), { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler });
    const states: DaemonState[] = [];
    daemon.state$.subscribe((state) => states.push(state));
    daemon.start();
    scheduler.flush();
    void daemon.stop();
    scheduler.flush();
    expect(states.map((s) => `${s.status}${s.pid === undefined ? '' : `:${s.pid}`}`)).toEqual([
      'idle',
      'spawning',
      'starting:1000',
      'running:1000',
      'waiting',
      'spawning',
      'starting:1001',
      'running:1001',
      'running:1001', // stable: same status, attempt reset
      'stopping:1001',
      'stopping',
      'stopped',
    ]);
  });

  it('equals compares command, args, cwd, env, id and token (S6)', () => {
    const make = (cmd: ConstructorParameters<typeof Daemon>[0]) => new Daemon(cmd, { driver: new FakeDriver() });
    const base = { command: 'envoy', args: ['-c', 'a'], cwd: '/srv', env: { A: '1' }, id: 'p', token: 't' };
    expect(make(base).equals(make({ ...base, env: { A: '1' } }))).toBe(true);
    for (const change of [{ args: ['-c', 'b'] }, { cwd: '/' }, { env: { A: '2' } }, { id: 'q' }, { token: 'u' }, { command: 'nginx' }]) {
      expect(make(base).equals(make({ ...base, ...change }))).toBe(false);
    }
    expect(make({ command: 'x' }).equals(make({ command: 'x', args: [], env: {} }))).toBe(true);
  });
});

describe('Daemon: a bug is not swallowed', () => {
  it('a restart policy that throws errors events$, and stop() rejects with it', async () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({ exitAfterMs: 10 }, { scheduler });
    const broken = { stableAfterMs: 1_000, next: () => { throw new Error('policy bug'); } };
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler, restart: broken });
    let failure: unknown;
    daemon.events$.subscribe({ error: (error: unknown) => (failure = error) });
    daemon.start();
    scheduler.flush();
    expect(failure).toEqual(new Error('policy bug'));
    await expect(daemon.stop()).rejects.toThrow('policy bug');
  });
});

describe('Daemon: close', () => {
  it('before start marks it closed; start is then a Left', () => {
    const daemon = new Daemon({ command: 'x' }, { driver: new FakeDriver(), scheduler: testScheduler() });
    daemon.close();
    expect(daemon.state.status).toBe('closed');
    const started = daemon.start();
    expect(isLeft(started) && started.left.code).toBe('ECLOSED');
  });

  it('during a backoff closes with no process to leave running', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({ exitAfterMs: 0, exitCode: 1 }, { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler });
    const seen = collect(daemon);
    daemon.start();
    scheduler.schedule(() => {
      daemon.close();
    }, 1_000);
    scheduler.flush();
    expect(seen.at(-1)).toBe('closed@1000');
    expect(daemon.snapshot()).toBeUndefined();
  });
});
