import { left, right } from 'fp-ts/lib/Either.js';
import { BehaviorSubject, concat, filter, firstValueFrom, of, takeUntil, throwError, timer, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { DaemonState } from '../../lib/daemon/state.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { Manager } from '../../lib/manager/manager.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime, testScheduler } from '../helpers/virtual-time.js';
import { eventLine } from '../helpers/event-line.js';

describe('Manager: RxJS contracts', () => {
  it('emits nothing inside run(): a subscriber right after it sees the containment event and the first reconcile', () => {
    const scheduler = testScheduler();
    const manager = new Manager(of({ a: { command: 'a' } }), { driver: new FakeDriver({}, { scheduler }), scheduler });
    const inside: ManagerEvent[] = [];
    const early = manager.events$.subscribe((event) => inside.push(event));
    manager.run();
    expect(inside).toEqual([]);
    early.unsubscribe();
    const seen: string[] = [];
    manager.events$.subscribe((event) => seen.push(eventLine(event)));
    scheduler.flush();
    expect(seen.slice(0, 3)).toEqual(['containment@0', 'reconcile@0', 'spawning:a@0']);
  });

  it('checks its options when constructed, not later on the scheduler', () => {
    expect(() => new Manager(of({}), { quietMs: -1 })).toThrow('Expected the `quietMs` option to be an integer number of ms between 0 and 2147483647, got `-1` (number).');
    expect(() => new Manager(of({}), { gracefulStopMs: 1.5 })).toThrow('`gracefulStopMs`');
  });

  it('close() and kill() resolve with their terminal events; both reject when the manager was never run or was refused', async () => {
    const scheduler = testScheduler();
    const manager = new Manager(of({ a: { command: 'a' } }), { driver: new FakeDriver({}, { scheduler }), scheduler });
    await expect(manager.kill()).rejects.toThrow('the manager was never run');
    manager.run();
    const killed = manager.kill();
    scheduler.flush();
    expect(await killed).toEqual({ type: 'manager-stopped', at: 0 });
    const refused = new Manager(of({}), { dataDir: '/proc/not-a-data-dir', scheduler });
    refused.run();
    const closing = refused.close();
    scheduler.flush();
    await expect(closing).rejects.toThrow(/^the manager was refused: cannot use the data dir \/proc\/not-a-data-dir/);
  });

  it('a manager never run is a caller’s bug: close(), kill() and each request reject with a TypeError; a kill after a close, with EENDED', async () => {
    const scheduler = testScheduler();
    const idle = new Manager(of({}), { driver: new FakeDriver({}, { scheduler }), scheduler });
    for (const asked of [idle.close(), idle.kill(), idle.restart('a'), idle.stop('a'), idle.start('a')]) {
      await expect(asked).rejects.toThrow(new TypeError('the manager was never run: call run() first'));
    }
    const manager = new Manager(of({ a: { command: 'a' } }), { driver: new FakeDriver({}, { scheduler }), scheduler });
    manager.run();
    const closed = manager.close();
    scheduler.flush();
    await closed;
    await expect(manager.kill()).rejects.toMatchObject({ code: 'EENDED', message: 'the manager had already ended (manager-closed)' });
  });

  it('states$ replays every daemon’s state, also after the end; a daemon no longer desired leaves it', async () => {
    const scheduler = testScheduler();
    const desired$ = new BehaviorSubject<DesiredSet>({ a: { command: 'a' }, b: { command: 'b' } });
    const manager = new Manager(desired$, { driver: new FakeDriver({}, { scheduler }), scheduler, quietMs: 10 });
    const ids: string[][] = [];
    manager.states$.subscribe((states) => ids.push([...states].map(([id, state]) => `${id}:${state.status}`)));
    manager.run();
    scheduler.flush();
    desired$.next({ a: { command: 'a' } });
    scheduler.flush();
    expect(ids.at(-1)).toEqual(['a:running']);
    expect(ids).toContainEqual(['a:running', 'b:running']);
    const killed = manager.kill();
    scheduler.flush();
    await killed;
    const last = await new Promise<ReadonlyMap<string, DaemonState>>((resolve) => manager.states$.subscribe(resolve));
    expect(last.get('a')?.status).toBe('stopped');
  });

  it('states$ drops at once a daemon that ended before it left the desired set', () => {
    const scheduler = testScheduler();
    const desired$ = new BehaviorSubject<DesiredSet>({ a: { command: 'a', restart: noRestart }, b: { command: 'b' } });
    const manager = new Manager(desired$, { driver: new FakeDriver({ byId: { a: { exitAfterMs: 100 }, b: {} } }, { scheduler }), scheduler, quietMs: 10 });
    const seen: string[][] = [];
    manager.states$.subscribe((states) => seen.push([...states].map(([id, state]) => `${id}:${state.status}`)));
    manager.run();
    scheduler.flush();
    expect(seen.at(-1)).toEqual(['a:completed', 'b:running']);
    desired$.next({ b: { command: 'b' } });
    scheduler.flush();
    expect(seen.at(-1)).toEqual(['b:running']);
    void manager.kill();
    scheduler.flush();
  });

  it('states$ keeps an id re-added while its old daemon stops: the old one ends, the new one follows', () => {
    const scheduler = testScheduler();
    const desired$ = new BehaviorSubject<DesiredSet>({ a: { command: 'a' } });
    const manager = new Manager(desired$, { driver: new FakeDriver({ onSigint: { exitAfterMs: 1_000 } }, { scheduler }), scheduler, quietMs: 10 });
    const seen: string[] = [];
    manager.states$.subscribe((states) => seen.push(states.get('a')?.status ?? 'absent'));
    manager.run();
    scheduler.flush();
    desired$.next({});
    scheduler.schedule(() => {
      desired$.next({ a: { command: 'a' } });
    }, 500);
    scheduler.flush();
    // The second `running` of each run is its `stable`.
    expect(seen).toEqual(['absent', 'running', 'running', 'stopping', 'stopped', 'running', 'running']);
    void manager.kill();
    scheduler.flush();
  });
});

describe('Manager: states$ keeps up with the promises', () => {
  // On the real clock: in virtual time every copy is sent inside flush(), before any promise's continuation runs, so no lag could show.
  const running = async () => {
    const driver = new FakeDriver({ byId: { db: { readyAfterMs: 60_000 }, web: {}, api: {} } });
    const manager = new Manager(of<DesiredSet>({ db: { command: 'db', ready: { check: driver.check } }, web: { command: 'web' }, api: { command: 'api', after: ['db'] } }), { driver });
    manager.run();
    await firstValueFrom(manager.states$.pipe(filter((states) => states.get('web')?.status === 'running')));
    return { manager, now: async (id: string) => (await firstValueFrom(manager.states$)).get(id) };
  };

  it('once restart, stop and kill resolve, states$ shows what they did', async () => {
    const { manager, now } = await running();
    await manager.restart('web');
    expect(await now('web')).toMatchObject({ restarts: 1 });
    await manager.stop('web');
    expect(await now('web')).toMatchObject({ status: 'stopped' });
    await manager.stop('api');
    expect(await now('api')).toMatchObject({ status: 'stopped' });
    await manager.kill();
    expect(await now('db')).toMatchObject({ status: 'stopped' });
  });

  it('once start resolves, states$ shows the daemon it let wait for its `after`, and why', async () => {
    const { manager, now } = await running();
    void manager.stop('api');
    await firstValueFrom(manager.states$.pipe(filter((states) => states.get('api')?.status === 'stopped')));
    expect(await manager.start('api')).toEqual(right('started'));
    expect(await now('api')).toMatchObject({ status: 'idle', waitingFor: ['db'], cause: 'waiting for db to be ready' });
    await manager.kill();
  });
});

describe('Manager: a daemon stopped on request, then removed from the desired set', () => {
  it('leaves states$ at that reconcile, which lists it as stopped', async () => {
    const desired$ = new BehaviorSubject<DesiredSet>({ web: { command: 'web' }, api: { command: 'api' } });
    const manager = new Manager(desired$, { driver: new FakeDriver(), quietMs: 0 });
    const reconciles: string[][] = [];
    manager.events$.subscribe((event) => event.type === 'reconcile' && reconciles.push([...event.stopped]));
    manager.run();
    await firstValueFrom(manager.states$.pipe(filter((states) => states.get('api')?.status === 'running')));
    await manager.stop('api');
    desired$.next({ web: { command: 'web' } });
    const states = await firstValueFrom(manager.states$.pipe(filter((now) => !now.has('api'))));
    expect([...states.keys()]).toEqual(['web']);
    expect(reconciles).toEqual([[], ['api']]);
    await manager.kill();
  });
});

describe('Manager.lines$: where the desired set says the service writes', () => {
  it('right after run(), reads the file of the first set; once a reload moves the output, the new file', () => {
    const driver = new FakeDriver();
    driver.files.set('/one.out', '');
    const desired$ = new BehaviorSubject<DesiredSet>({ web: { command: 'web', stdout: { file: '/one.out' } } });
    inVirtualTime(({ expectObservable }) => {
      const manager = new Manager(desired$, { driver, quietMs: 10 });
      manager.run();
      expectObservable(manager.lines$('web', 'stdout').pipe(takeUntil(timer(2_000)))).toBe('200ms a 999ms b 799ms |', { a: 'one', b: 'two' });
      timer(100).subscribe(() => driver.files.set('/one.out', 'one\n'));
      timer(1_000).subscribe(() => {
        desired$.next({ web: { command: 'web', stdout: { file: '/two.out' } } });
      });
      timer(1_100).subscribe(() => {
        driver.files.set('/one.out', 'one\nnot read: written after the move\n');
        driver.files.set('/two.out', 'two\n');
      });
      timer(3_000).subscribe(() => void manager.kill());
    });
  });
});

describe('manage: the desired set’s own end', () => {
  it('an error of desired$ keeps the running set and is a desired-error event', () => {
    const seen: string[] = [];
    const driver = new FakeDriver();
    inVirtualTime(({ cold }) => {
      const desired$ = concat(of<DesiredSet>({ a: { command: 'a' } }), throwError(() => new Error('config server gone')));
      manage(desired$, { driver, kill$: cold('5s k') }).subscribe((event) => seen.push(event.type === 'desired-error' ? `desired-error:${event.error.message}@${event.at}` : eventLine(event)));
    });
    expect(seen).toContain('desired-error:config server gone@0');
    expect(seen.filter((event) => event.startsWith('stopping'))).toEqual(['stopping:a@5000']);
    expect(seen.at(-1)).toBe('manager-stopped@5000');
  });

  it('completion of desired$ keeps the last set running', () => {
    const seen: string[] = [];
    inVirtualTime(({ cold }) => {
      manage(of<DesiredSet>({ a: { command: 'a' } }), { driver: new FakeDriver(), kill$: cold('5s k') }).subscribe((event) => seen.push(eventLine(event)));
    });
    expect(seen.filter((event) => event.startsWith('stopping'))).toEqual(['stopping:a@5000']);
  });
});

describe('M9: one daemon at a time', () => {
  const managed = () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({}, { scheduler });
    const desired$ = new BehaviorSubject<DesiredSet>({ web: { command: 'web' }, db: { command: 'db' } });
    const manager = new Manager(desired$, { driver, scheduler, quietMs: 10 });
    const seen: string[] = [];
    manager.events$.subscribe((event) => seen.push(eventLine(event)));
    manager.run();
    scheduler.flush();
    return { scheduler, driver, desired$, manager, seen };
  };

  it('restart(id): a graceful stop, then an immediate spawn, of that one only', async () => {
    const { scheduler, manager, seen } = managed();
    const restarted = manager.restart('web');
    scheduler.flush();
    expect(await restarted).toEqual(right('restarted'));
    // Both ran until stable (10 s) before the request; it is done once the new process has started.
    expect(seen.filter((event) => event.endsWith('@10000') && !event.startsWith('stable'))).toEqual([
      'stopping:web@10000',
      'exited:web@10000',
      'spawning:web@10000',
      'started:web@10000',
      'control-done:web@10000',
      'ready:web@10000',
    ]);
  });

  it('stop(id) holds it down through later desired sets until start(id)', async () => {
    const { scheduler, desired$, manager, seen } = managed();
    const stopped = manager.stop('db');
    scheduler.flush();
    await stopped;
    desired$.next({ web: { command: 'web' }, db: { command: 'db' } });
    scheduler.flush();
    expect(seen.filter((event) => event.startsWith('spawning:db'))).toHaveLength(1);
    void manager.start('db');
    scheduler.flush();
    expect(seen.filter((event) => event.startsWith('spawning:db'))).toHaveLength(2);
  });

  it('a request for an id that is not desired, or a restart of one held down, is refused, and the promise says why (a Left)', async () => {
    const { scheduler, manager, seen } = managed();
    const unknown = manager.restart('nope');
    scheduler.flush();
    expect(await unknown).toEqual(left({ code: 'EREFUSED', message: 'cannot restart nope: no service "nope" is configured' }));
    const stopped = manager.stop('db');
    scheduler.flush();
    await stopped;
    const held = manager.restart('db');
    scheduler.flush();
    expect(await held).toEqual(left({ code: 'EREFUSED', message: 'cannot restart db: it was stopped on request; start it first' }));
    expect(seen.filter((event) => event.startsWith('control-refused'))).toEqual(['control-refused:nope@10000', 'control-refused:db@10000']);
  });

  it('through manage(): control$ requests', () => {
    const seen: string[] = [];
    inVirtualTime(({ cold }) => {
      const control$: Observable<{ type: 'restart'; id: string }> = cold('100ms r', { r: { type: 'restart', id: 'web' } });
      manage(of<DesiredSet>({ web: { command: 'web' } }), { driver: new FakeDriver(), control$, kill$: cold('1s k') }).subscribe((event) => seen.push(eventLine(event)));
    });
    expect(seen).toContain('stopping:web@100');
    expect(seen.filter((event) => event.startsWith('spawning'))).toEqual(['spawning:web@0', 'spawning:web@100']);
  });
});

