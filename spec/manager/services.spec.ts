import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BehaviorSubject, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import { serviceEquals, type DesiredSet } from '../../lib/manager/service.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

describe('services: options per daemon', () => {
  it('each service is stopped with its own signal and grace', () => {
    const driver = new FakeDriver({ onSigint: 'ignore' });
    inVirtualTime(({ cold }) => {
      const desired$ = new BehaviorSubject<DesiredSet>({
        envoy: { command: 'envoy', stopSignal: 'SIGTERM', gracefulStopMs: 20_000 },
        helper: { command: 'helper', gracefulStopMs: 1_000 },
      });
      manage(desired$, { driver, kill$: cold('10s k') }).subscribe();
    });
    const byPid = (pid: number) => driver.signals.filter((signal) => signal.pid === pid).map(({ signal, at }) => `${signal}@${at}`);
    // Both ignore their stop signal: each is killed after its own grace.
    expect(byPid(1000)).toEqual(['SIGTERM@10000', 'SIGKILL@30000']);
    expect(byPid(1001)).toEqual(['SIGINT@10000', 'SIGKILL@11000']);
  });

  it('a changed option is a change: the service is replaced; an equal one (the same policy object) is left alone', () => {
    const driver = new FakeDriver();
    const policy = consulBackoff();
    const seen: ManagerEvent[] = [];
    inVirtualTime(({ hot, cold }) => {
      const sets: Record<string, DesiredSet> = {
        a: { web: { command: 'web', restart: policy, gracefulStopMs: 100 }, db: { command: 'db' } },
        b: { web: { command: 'web', restart: policy, gracefulStopMs: 100 }, db: { command: 'db', gracefulStopMs: 9_000 } },
        c: { web: { command: 'web', restart: consulBackoff(), gracefulStopMs: 100 }, db: { command: 'db', gracefulStopMs: 9_000 } },
      };
      const desired$: Observable<DesiredSet> = hot('a 999ms b 999ms c', sets);
      manage(desired$, { driver, kill$: cold('10s k') }).subscribe((event) => seen.push(event));
    });
    expect(seen.flatMap((event) => (event.type === 'reconcile' ? [event.replaced] : []))).toEqual([[], ['db'], ['web']]);
  });

  it('without a data dir a service may inherit the manager’s output; with one it may not, and only it is skipped', () => {
    const root = mkdtempSync(join(tmpdir(), 'rxdaemon-services-'));
    try {
      const seen: ManagerEvent[] = [];
      const driver = new FakeDriver();
      inVirtualTime(({ cold }) => {
        const desired$ = new BehaviorSubject<DesiredSet>({ loud: { command: 'loud', stdout: 'inherit' }, quiet: { command: 'quiet', stdout: 'ignore' } });
        manage(desired$, { driver, dataDir: root, kill$: cold('1s k') }).subscribe((event) => seen.push(event));
      });
      expect(seen.find((event) => event.type === 'invalid-entry')).toMatchObject({ id: 'loud', message: expect.stringContaining("under a manager with a data dir (its logs are there), got 'inherit'") as string });
      expect(driver.spawns.map((spec) => [spec.command, spec.stdout, spec.stderr])).toEqual([['quiet', 'ignore', { file: join(root, 'logs', 'quiet-stderr.log') }]]);
      const free = new FakeDriver();
      inVirtualTime(({ cold }) => {
        manage(new BehaviorSubject<DesiredSet>({ loud: { command: 'loud', stdout: 'inherit' } }), { driver: free, kill$: cold('1s k') }).subscribe();
      });
      expect(free.spawns[0]?.stdout).toBe('inherit');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a bad option is an invalid entry naming it, and only that entry is skipped', () => {
    const seen: ManagerEvent[] = [];
    inVirtualTime(({ cold }) => {
      const desired$ = new BehaviorSubject<DesiredSet>({ bad: { command: 'x', gracefulStopMs: -5 }, good: { command: 'y' } });
      manage(desired$, { driver: new FakeDriver(), kill$: cold('1s k') }).subscribe((event) => seen.push(event));
    });
    expect(seen.find((event) => event.type === 'invalid-entry')).toMatchObject({ id: 'bad', message: expect.stringContaining('`gracefulStopMs`') as string });
    expect(seen.find((event) => event.type === 'reconcile')).toMatchObject({ started: ['good'] });
  });

  it('serviceEquals: data by value, functions and policies by identity', () => {
    const policy = consulBackoff();
    expect(serviceEquals({ command: 'x', stdout: { file: '/a' }, restart: policy }, { command: 'x', stdout: { file: '/a' }, restart: policy })).toBe(true);
    expect(serviceEquals({ command: 'x', stdout: { file: '/a' } }, { command: 'x', stdout: { file: '/b' } })).toBe(false);
    expect(serviceEquals({ command: 'x', restart: consulBackoff() }, { command: 'x', restart: consulBackoff() })).toBe(false);
    expect(serviceEquals({ command: 'x' }, { command: 'x', args: [] })).toBe(true);
  });
});
