import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { BehaviorSubject, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { Manager } from '../../lib/manager/manager.js';
import { runManager, type RealManager, type RealManagerOptions } from '../helpers/real-manager.js';
import { child, isAlive, readIfThere, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();

/** Starts a manager on the sandbox's data dir, with short timings unless `options` say otherwise. */
const startManager = (desired$: Observable<DesiredSet>, options: RealManagerOptions = {}): RealManager =>
  runManager(sandbox(), desired$, { quietMs: 50, maxWaitMs: 500, snapshotIntervalMs: 100, ...options });

const startedPid = (event: ManagerEvent): number => (event.type === 'started' || event.type === 'adopted' ? event.pid : -1);
const snapshotOnDisk = (): Record<string, { pid: number }> =>
  (JSON.parse(readIfThere(sandbox().path('data/snapshot.json')) ?? '{"daemons":{}}') as { daemons: Record<string, { pid: number }> }).daemons;

describe('the manager with real processes', () => {
  it('starts, adds, removes and replaces daemons; logs, pid files and env follow', async () => {
    const desired$ = new BehaviorSubject<DesiredSet>({ web: { ...child('--print', 'web-out'), env: { ROLE: 'web' } } });
    const { next } = startManager(desired$);
    const web = startedPid(await next((e) => e.type === 'started' && e.id === 'web', 'web'));
    await waitFor('web logs', () => (readIfThere(sandbox().path('data/logs/web-stdout.log')) ?? '').includes('web-out'));
    await waitFor('web stderr log', () => (readIfThere(sandbox().path('data/logs/web-stderr.log')) ?? '').includes('err:web-out'));
    expect(statSync(sandbox().path('data/logs/web-stdout.log')).mode & 0o777).toBe(0o600);
    await waitFor('the web pid file', () => readIfThere(sandbox().path('data/pids/web.pid')) === `${web}\n`);

    const envFile = sandbox().path('api-env.json');
    desired$.next({ ...desired$.value, api: { ...child('--env-to', envFile), env: { ROLE: 'api' }, token: 'api-token' } });
    const api = startedPid(await next((e) => e.type === 'started' && e.id === 'api', 'api'));
    await waitFor('the api env', () => (readIfThere(envFile) ?? '').endsWith('}'));
    expect(JSON.parse(readFileSync(envFile, 'utf8'))).toMatchObject({ ROLE: 'api', RXDAEMON_ID: 'api', RXDAEMON_TOKEN: 'api-token' });
    expect(isAlive(web)).toBe(true);

    desired$.next({ api: desired$.value.api ?? child(), web: { ...child('--print', 'web-v2') } });
    const web2 = startedPid(await next((e) => e.type === 'started' && e.id === 'web' && e.pid !== web, 'the new web'));
    expect(isAlive(web)).toBe(false);
    expect(isAlive(api)).toBe(true);
    await waitFor('the new web pid file', () => readIfThere(sandbox().path('data/pids/web.pid')) === `${web2}\n`);

    desired$.next({ web: desired$.value.web ?? child() });
    await next((e) => e.type === 'stopped' && e.id === 'api', 'api to stop');
    expect(isAlive(api)).toBe(false);
    await waitFor('the api pid file to go', () => !existsSync(sandbox().path('data/pids/api.pid')));
    await waitFor('the snapshot to list web alone', () => Object.keys(snapshotOnDisk()).join() === 'web');
    expect(statSync(sandbox().path('data/snapshot.json')).mode & 0o777).toBe(0o600);
  });

  it('a closed manager leaves its daemons running; the next one restores them, and kill ends everything', async () => {
    const desired: DesiredSet = { a: child(), b: { ...child(), token: 'tok-b' } };
    const first = startManager(new BehaviorSubject(desired));
    const pids = await Promise.all(['a', 'b'].map(async (id) => startedPid(await first.next((e) => e.type === 'started' && e.id === id, id))));
    expect((await first.manager.close()).type).toBe('manager-closed');
    expect(pids.every(isAlive)).toBe(true);
    expect(Object.values(snapshotOnDisk()).map((entry) => entry.pid).sort()).toEqual([...pids].sort());
    expect(readFileSync(sandbox().path('data/snapshot.json'), 'utf8')).not.toContain('tok-b');

    const second = startManager(new BehaviorSubject(desired));
    const restored = await second.next((e) => e.type === 'restored', 'the restore');
    expect([...restored.adopted].sort()).toEqual(['a', 'b']);
    const reconcile = await second.next((e) => e.type === 'reconcile', 'the first reconcile');
    expect(reconcile).toMatchObject({ started: [], replaced: [], stopped: [], unchanged: 2 });

    expect((await second.manager.kill()).type).toBe('manager-stopped');
    expect(pids.some(isAlive)).toBe(false);
    expect(snapshotOnDisk()).toEqual({});
  });

  it('on restore, replaces a daemon whose command changed and stops one no longer desired', async () => {
    const first = startManager(new BehaviorSubject<DesiredSet>({ keep: child(), change: child('--print', 'v1'), drop: child() }));
    const pids = Object.fromEntries(
      await Promise.all(['keep', 'change', 'drop'].map(async (id) => [id, startedPid(await first.next((e) => e.type === 'started' && e.id === id, id))] as const)),
    );
    await first.manager.close();
    const second = startManager(new BehaviorSubject<DesiredSet>({ keep: child(), change: child('--print', 'v2') }));
    await second.next((e) => e.type === 'stopped' && e.id === 'drop', 'drop to stop');
    const changed = startedPid(await second.next((e) => e.type === 'started' && e.id === 'change', 'the new change'));
    expect(changed).not.toBe(pids.change);
    expect(isAlive(pids.keep ?? -1)).toBe(true);
    expect(isAlive(pids.change ?? -1)).toBe(false);
    expect(isAlive(pids.drop ?? -1)).toBe(false);
  });

  it('skips dead snapshot entries with a warning, never a throw', async () => {
    const first = startManager(new BehaviorSubject<DesiredSet>({ a: child() }));
    const pid = startedPid(await first.next((e) => e.type === 'started', 'a'));
    await first.manager.close();
    process.kill(pid, 'SIGKILL');
    await waitFor('a to die', () => !isAlive(pid));
    const second = startManager(new BehaviorSubject<DesiredSet>({ a: child() }));
    const skipped = await second.next((e) => e.type === 'restore-skipped', 'the skip');
    expect(skipped).toMatchObject({ id: 'a', code: 'EDEAD' });
    await second.next((e) => e.type === 'started' && e.id === 'a', 'a respawned');
  });

  it('sets a corrupt snapshot aside and starts empty', async () => {
    const data = sandbox().path('data');
    const first = startManager(new BehaviorSubject<DesiredSet>({}));
    await first.next((e) => e.type === 'reconcile', 'the first reconcile');
    await first.manager.kill();
    writeFileSync(`${data}/snapshot.json`, '{"version":1,"daemons":{"a":');
    const second = startManager(new BehaviorSubject<DesiredSet>({ a: child() }));
    const corrupt = await second.next((e) => e.type === 'snapshot-corrupt', 'the corrupt snapshot');
    expect(readFileSync(corrupt.movedTo, 'utf8')).toBe('{"version":1,"daemons":{"a":');
    expect(readdirSync(data).some((name) => name.startsWith('snapshot.json.corrupt-'))).toBe(true);
    await second.next((e) => e.type === 'started' && e.id === 'a', 'a');
  });

  it('a data dir that cannot be created is a clear refusal, never a crash', async () => {
    writeFileSync(sandbox().path('file'), '');
    const manager = new Manager(new BehaviorSubject<DesiredSet>({ a: child() }), { dataDir: sandbox().path('file/data') });
    manager.run();
    const last = await manager.ended();
    expect(last).toMatchObject({ type: 'manager-refused', code: 'EDATADIR' });
    expect(last?.type === 'manager-refused' && last.message).toContain('not a directory');
  });

  it('a second manager on a live manager’s data dir is refused, and a dead owner’s lock is taken over', async () => {
    const first = startManager(new BehaviorSubject<DesiredSet>({}));
    await first.next((e) => e.type === 'reconcile', 'the first reconcile');
    const second = new Manager(new BehaviorSubject<DesiredSet>({}), { dataDir: sandbox().path('data') });
    second.run();
    // Our own pid owns the lock; a second manager in the same process is refused too.
    expect(await second.ended()).toMatchObject({ type: 'manager-refused', code: 'ELOCKED' });
    await first.manager.kill();
    writeFileSync(sandbox().path('data/lock'), JSON.stringify({ pid: 999_999, startTime: '1' }));
    const third = startManager(new BehaviorSubject<DesiredSet>({}));
    await third.next((e) => e.type === 'reconcile', 'a reconcile after taking the stale lock');
  });
});
