import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distinctUntilChanged, filter, map, of, takeUntil, timer, type Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DaemonState } from '../../lib/daemon/state.js';
import type { ControlRequest, ManagerEvent } from '../../lib/manager/events.js';
import { DataDir } from '../../lib/manager/data-dir.js';
import { manage } from '../../lib/manager/manage.js';
import { Manager } from '../../lib/manager/manager.js';
import { readRecords, Records } from '../../lib/manager/records.js';
import { checkService, type DesiredSet, type Service } from '../../lib/manager/service.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { limitRestarts } from '../../lib/policy/limit-restarts.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime, testScheduler } from '../helpers/virtual-time.js';

// Issue 15, item 6: `after` a one-shot task waits for its completion with
// exit code 0, and a dependency that ends any other way leaves what waits
// for it waiting, told why (`dependency-failed`, and the cause of its
// state). In virtual time, on the FakeDriver.

// A data dir for the specs that need one.
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rxdaemon-oneshot-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const line = (state: DaemonState | undefined): string => (state === undefined ? 'absent' : `${state.status}: ${state.cause ?? '-'}`);

/** One service's state in states$, as `status: cause` lines, each once. */
const stateOf = (manager: Manager, id: string): Observable<string> =>
  manager.states$.pipe(
    map((states) => line(states.get(id))),
    distinctUntilChanged(),
  );

/** A manager's events of these types, as `type:id@ms`. */
const eventsOf = (manager: Manager, types: readonly string[]): Observable<string> =>
  manager.events$.pipe(
    filter((event) => types.includes(event.type)),
    map((event) => `${event.type}:${'id' in event ? event.id : ''}`),
  );

const dependencyFailures = (events: readonly ManagerEvent[]) => events.filter((event) => event.type === 'dependency-failed').map(({ at, ...rest }) => ({ ...rest, at }));

describe('after a one-shot: met at its completion with exit code 0', () => {
  it('the dependent starts when the task has completed, not when it starts; the task is never ready', () => {
    testScheduler().run(({ expectObservable }) => {
      const driver = new FakeDriver({ byId: { migrate: { exitAfterMs: 300 }, web: {} } });
      const manager = new Manager(of<DesiredSet>({ migrate: { command: 'migrate', oneshot: true }, web: { command: 'web', after: ['migrate'] } }), { driver });
      // `(xa)` takes 4 frames: 296 ms lands `b` at 300.
      expectObservable(stateOf(manager, 'web').pipe(takeUntil(timer(500)))).toBe('(xa) 296ms b 199ms |', {
        x: 'absent',
        a: 'idle: waiting for migrate to complete',
        b: 'running: -',
      });
      expectObservable(stateOf(manager, 'migrate').pipe(takeUntil(timer(500)))).toBe('(xa) 296ms b 199ms |', {
        x: 'absent',
        a: 'starting: not ready yet',
        b: 'completed: exited with code 0',
      });
      timer(1_000).subscribe(() => void manager.kill());
      expectObservable(eventsOf(manager, ['spawning', 'ready', 'completed', 'waiting']).pipe(takeUntil(timer(1_000)))).toBe('(wm) 296ms (cds) 695ms |', {
        w: 'waiting:web',
        m: 'spawning:migrate',
        c: 'completed:migrate',
        d: 'spawning:web',
        s: 'ready:web',
      });
      manager.run();
    });
  });

  it('a one-shot is not restarted, even by a manager whose rule restarts its daemons; its own rule retries it on failure, and exit 0 completes it', () => {
    const spawnsOf = (services: DesiredSet, script: ConstructorParameters<typeof FakeDriver>[0]): string[] => {
      const driver = new FakeDriver(script);
      const seen: string[] = [];
      inVirtualTime(({ cold }) => {
        manage(of(services), { driver, kill$: cold('10s k') }).subscribe((event) => {
          if (event.type === 'spawning' || event.type === 'completed' || event.type === 'gave-up') seen.push(`${event.type}${event.type === 'completed' ? `:${String(event.code)}` : ''}@${event.at}`);
        });
      });
      return seen;
    };
    expect(spawnsOf({ migrate: { command: 'migrate', oneshot: true } }, { exitAfterMs: 100 })).toEqual(['spawning@0', 'completed:0@100']);
    expect(spawnsOf({ migrate: { command: 'migrate', oneshot: true } }, { exitAfterMs: 100, exitCode: 3 })).toEqual(['spawning@0', 'completed:3@100']);
    const failsTwice = (n: number) => ({ exitAfterMs: 100, exitCode: n <= 2 ? 1 : 0 });
    expect(spawnsOf({ migrate: { command: 'migrate', oneshot: true, restart: consulBackoff() } }, failsTwice)).toEqual(['spawning@0', 'spawning@100', 'spawning@200', 'completed:0@300']);
  });

  it('a one-shot that fails leaves its dependents waiting, told why; started again and completed with 0, they start', () => {
    testScheduler().run(({ expectObservable }) => {
      const driver = new FakeDriver({ byId: { migrate: (n) => (n === 1 ? { exitAfterMs: 300, exitCode: 3 } : { exitAfterMs: 200 }), web: {} } });
      const manager = new Manager(of<DesiredSet>({ migrate: { command: 'migrate', oneshot: true }, web: { command: 'web', after: ['migrate'] } }), { driver });
      // The fix is made, and the task started again (`rxdaemon start migrate`).
      timer(1_000).subscribe(() => void manager.start('migrate'));
      timer(2_000).subscribe(() => void manager.kill());
      expectObservable(stateOf(manager, 'web').pipe(takeUntil(timer(1_500)))).toBe('(xa) 296ms b 699ms c 199ms d 299ms |', {
        x: 'absent',
        a: 'idle: waiting for migrate to complete',
        b: 'idle: waiting for migrate to complete: migrate exited with code 3',
        c: 'idle: waiting for migrate to complete',
        d: 'running: -',
      });
      expectObservable(manager.events$.pipe(filter((event) => event.type === 'dependency-failed'), takeUntil(timer(2_000)))).toBe('300ms a 1699ms |', {
        a: { type: 'dependency-failed', at: 300, id: 'web', dependency: 'migrate', how: 'completed', cause: 'waiting for migrate to complete: migrate exited with code 3' },
      });
      manager.run();
    });
  });

  it('one that was given up, or stopped on request, before it was ready: what waits for it says so, and starts once it is ready again', () => {
    testScheduler().run(({ expectObservable }) => {
      const driver = new FakeDriver({
        byId: { db: (n) => (n <= 3 ? { exitAfterMs: 100, exitCode: 1, readyAfterMs: 1_000 } : { readyAfterMs: 1_000 }), api: {}, cache: { readyAfterMs: 5_000 }, app: {} },
      });
      const ready = { check: driver.check };
      const manager = new Manager(
        of<DesiredSet>({
          db: { command: 'db', ready, restart: limitRestarts(consulBackoff(), { max: 2, withinMs: 60_000 }) },
          api: { command: 'api', after: ['db'] },
          cache: { command: 'cache', ready },
          app: { command: 'app', after: ['cache'] },
        }),
        { driver },
      );
      timer(1_000).subscribe(() => void manager.stop('cache'));
      timer(2_000).subscribe(() => void manager.start('db'));
      timer(3_000).subscribe(() => void manager.start('cache'));
      timer(10_000).subscribe(() => void manager.kill());
      expectObservable(stateOf(manager, 'api').pipe(takeUntil(timer(4_000)))).toBe('(xa) 296ms b 1699ms c 999ms d 999ms |', {
        x: 'absent',
        a: 'idle: waiting for db to be ready',
        b: 'idle: waiting for db to be ready: db gave up after 2 restarts in 60 s; last: exited with code 1',
        c: 'idle: waiting for db to be ready',
        d: 'running: -',
      });
      expectObservable(stateOf(manager, 'app').pipe(takeUntil(timer(9_000)))).toBe('(xa) 996ms b 1999ms c 4999ms d 999ms |', {
        x: 'absent',
        a: 'idle: waiting for cache to be ready',
        b: 'idle: waiting for cache to be ready: cache stopped on request',
        c: 'idle: waiting for cache to be ready',
        d: 'running: -',
      });
      expectObservable(eventsOf(manager, ['dependency-failed']).pipe(takeUntil(timer(10_000)))).toBe('300ms a 699ms b 8999ms |', { a: 'dependency-failed:api', b: 'dependency-failed:app' });
      manager.run();
    });
  });

  it('a service that comes to wait for one that failed is told so at once, once', () => {
    const driver = new FakeDriver({ byId: { migrate: { exitAfterMs: 100, exitCode: 2 }, web: {}, api: {} } });
    const events: ManagerEvent[] = [];
    inVirtualTime(({ cold }) => {
      const sets: Record<string, DesiredSet> = {
        a: { migrate: { command: 'migrate', oneshot: true } },
        b: { migrate: { command: 'migrate', oneshot: true }, web: { command: 'web', after: ['migrate'] } },
        c: { migrate: { command: 'migrate', oneshot: true }, web: { command: 'web', after: ['migrate'] }, api: { command: 'api' } },
      };
      manage(cold('a 999ms b 999ms c', sets), { driver, quietMs: 0, kill$: cold('5s k') }).subscribe((event) => events.push(event));
    });
    expect(dependencyFailures(events)).toEqual([
      { type: 'dependency-failed', at: 1_000, id: 'web', dependency: 'migrate', how: 'completed', cause: 'waiting for migrate to complete: migrate exited with code 2' },
    ]);
  });
});

describe('a one-shot that completed, then stopped on request', () => {
  it('is no longer met: a service that comes to wait for it is told so, and starts once it has run again', () => {
    const driver = new FakeDriver({ byId: { migrate: { exitAfterMs: 100 }, web: {} } });
    const events: ManagerEvent[] = [];
    inVirtualTime(({ cold }) => {
      const migrate: Service = { command: 'migrate', oneshot: true };
      const sets: Record<string, DesiredSet> = { a: { migrate }, b: { migrate, web: { command: 'web', after: ['migrate'] } } };
      const control$ = cold<ControlRequest>('500ms s 1499ms t', { s: { type: 'stop', id: 'migrate' }, t: { type: 'start', id: 'migrate' } });
      manage(cold('a 999ms b', sets), { driver, quietMs: 0, control$, kill$: cold('5s k') }).subscribe((event) => events.push(event));
    });
    expect(dependencyFailures(events)).toEqual([
      { type: 'dependency-failed', at: 1_000, id: 'web', dependency: 'migrate', how: 'stopped', cause: 'waiting for migrate to complete: migrate stopped on request' },
    ]);
    expect(events.filter((event) => event.type === 'spawning').map((event) => `${event.id}@${event.at}`)).toEqual(['migrate@0', 'migrate@2000', 'web@2100']);
  });
});

describe('a dependency that cannot be started (invalid)', () => {
  it('one whose recorded process runs and cannot be supervised: what waits for it says so', () => {
    const driver = new FakeDriver();
    const events: ManagerEvent[] = [];
    inVirtualTime(({ cold }) => {
      const foreign = driver.addProcess({ foreign: true });
      const { records } = Records.open(new DataDir(root), 0);
      records.set('db', { version: 1, pid: foreign.pid, startTime: foreign.startTime, bootId: 'fake-boot', command: 'db', args: [], env: {} });
      records.close();
      manage(of<DesiredSet>({ db: { command: 'db' }, api: { command: 'api', after: ['db'] } }), { driver, dataDir: root, kill$: cold('1s k') }).subscribe((event) => events.push(event));
    });
    expect(dependencyFailures(events)).toEqual([
      {
        type: 'dependency-failed',
        at: 0,
        id: 'api',
        dependency: 'db',
        how: 'invalid',
        cause: expect.stringMatching(/^waiting for db to be ready: db is not started: a process recorded for it still runs and cannot be supervised/) as string,
      },
    ]);
    expect(driver.spawns).toEqual([]);
  });
});

describe('a one-shot with a ready or health check is a configuration error: it is never ready', () => {
  it('the service is an invalid entry saying so', () => {
    const check = () => of(true);
    const refusal = (service: Service): string => {
      const checked = checkService(service, 'migrate', false);
      return checked._tag === 'Left' ? checked.left : 'accepted';
    };
    expect(refusal({ command: 'migrate', oneshot: true, ready: { check } })).toContain(
      'Expected no `ready` option on a one-shot task (`oneshot: true`): it runs to completion and is never ready; what starts after it waits for its exit with code 0.',
    );
    expect(refusal({ command: 'migrate', oneshot: true, health: { check } })).toContain('Expected no `health` option on a one-shot task');
    expect(refusal({ command: 'migrate', oneshot: 'yes' as unknown as boolean })).toContain('Expected the `oneshot` option to be true or false, got `yes` (string).');
  });
});

// Issue 15, item 7: a one-shot's completion with exit code 0 is recorded
// with its boot id and definition; the next manager on the data dir, in
// the same boot, does not run it again unless its definition changed (after
// a close, or a manager that never ended, as a crash leaves it); a kill
// forgets it. In virtual time, on the FakeDriver, over a real data dir.
describe('a one-shot completed in this boot is not run again by the next manager', () => {
  const migrate = { command: 'migrate', args: ['up'], oneshot: true } as const;
  const web = { command: 'web', after: ['migrate'] };

  interface Run {
    readonly events: ManagerEvent[];
    readonly spawned: string[];
    readonly states: ReadonlyMap<string, DaemonState>;
  }

  /**
   * One manager on the data dir, in virtual time from `at`: the migration
   * takes 100 ms. It ends as `end` says after 1 s (`none`: it never ends,
   * as a crash leaves its files); `act` acts on it at 500 ms.
   */
  const runManager = (desired: DesiredSet, end: 'close' | 'kill' | 'none', options: { bootId?: string; ownPid?: number; act?: (manager: Manager) => void } = {}): Run => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({ byId: { migrate: { exitAfterMs: 100 }, web: {} } }, { scheduler, bootId: options.bootId ?? 'fake-boot', ownPid: options.ownPid ?? 1 });
    const manager = new Manager(of(desired), { driver, scheduler, dataDir: root });
    const events: ManagerEvent[] = [];
    let states: ReadonlyMap<string, DaemonState> = new Map();
    manager.events$.subscribe((event) => events.push(event));
    manager.states$.subscribe((latest) => {
      states = latest;
    });
    manager.run();
    scheduler.schedule(() => options.act?.(manager), 500);
    if (end !== 'none') scheduler.schedule(() => void manager[end](), 1_000);
    scheduler.flush();
    return { events, spawned: driver.spawns.map((spec) => spec.env.RXDAEMON_ID ?? ''), states };
  };

  it('after a close: it is said completed, with when, and what starts after it starts at once', () => {
    const first = runManager({ migrate, web }, 'close');
    expect(first.spawned).toEqual(['migrate', 'web']);
    // The next manager does not run the migration again; web (whose fake process did not outlive its driver) starts at once.
    const second = runManager({ migrate, web }, 'close', { ownPid: 2 });
    expect(second.spawned).toEqual(['web']);
    expect(second.events.filter((event) => event.type === 'waiting')).toEqual([]);
    expect(second.events.filter((event) => event.type === 'already-completed')).toEqual([{ type: 'already-completed', at: 0, id: 'migrate', completedAt: 100 }]);
    expect(second.states.get('migrate')).toEqual({
      status: 'completed',
      attempt: 0,
      restarts: 0,
      lastExit: { code: 0, signal: null, at: 100 },
      cause: 'exited with code 0 under an earlier manager, in this boot: not run again unless its definition changes',
    });
    expect(second.events.find((event) => event.type === 'reconcile')).toMatchObject({ started: ['web'], unchanged: 1 });
  });

  it('after a manager that never ended (its files as a crash leaves them), and a new dependent starts at once', () => {
    expect(runManager({ migrate }, 'none').spawned).toEqual(['migrate']);
    const second = runManager({ migrate, web }, 'kill', { ownPid: 2 });
    expect(second.spawned).toEqual(['web']);
    expect(second.events.filter((event) => event.type === 'waiting')).toEqual([]);
  });

  it('its completion is on disk before its `completed` is told (M8): a manager killed at that event never runs it again', () => {
    const recordedAt: (number | undefined)[] = [];
    const driver = new FakeDriver({ exitAfterMs: 100 });
    inVirtualTime(({ cold }) => {
      manage(of<DesiredSet>({ migrate }), { driver, dataDir: root, kill$: cold('1s k') }).subscribe((event) => {
        if (event.type === 'completed') recordedAt.push(readRecords(new DataDir(root)).completed.get('migrate')?.at);
      });
    });
    expect(recordedAt).toEqual([100]);
  });

  it('runs it again after a kill() (which forgets it), in another boot, or when its definition changed', () => {
    runManager({ migrate }, 'kill');
    expect(runManager({ migrate }, 'close').spawned).toEqual(['migrate']);
    expect(runManager({ migrate }, 'close', { bootId: 'another-boot' }).spawned).toEqual(['migrate']);
    expect(runManager({ migrate: { ...migrate, args: ['up', '--to', '42'] } }, 'close').spawned).toEqual(['migrate']);
    expect(runManager({ migrate: { ...migrate, args: ['up', '--to', '42'] } }, 'close').spawned).toEqual([]);
    expect(runManager({ migrate: { ...migrate, args: ['up', '--to', '42'], env: { DB: 'prod' } } }, 'close').spawned).toEqual(['migrate']);
    expect(runManager({ migrate: { ...migrate, args: ['up', '--to', '42'], env: { DB: 'prod' }, token: 't' } }, 'close').spawned).toEqual(['migrate']);
    expect(runManager({ migrate: { ...migrate, args: ['up', '--to', '42'], env: { DB: 'prod' }, token: 't' } }, 'close').spawned).toEqual([]);
  });

  it('one that failed is run again; a start on request runs a completed one again; a stop on request forgets it', () => {
    const failing = new FakeDriver({ exitAfterMs: 100, exitCode: 1 });
    inVirtualTime(({ cold }) => {
      manage(of<DesiredSet>({ migrate }), { driver: failing, dataDir: root, close$: cold('1s c') }).subscribe();
    });
    expect(runManager({ migrate }, 'close').spawned).toEqual(['migrate']);
    expect(runManager({ migrate }, 'close', { act: (manager) => void manager.start('migrate') }).spawned).toEqual(['migrate']);
    expect(runManager({ migrate }, 'close').spawned).toEqual([]);
    expect(runManager({ migrate }, 'close', { act: (manager) => void manager.stop('migrate') }).spawned).toEqual([]);
    expect(runManager({ migrate }, 'close').spawned).toEqual(['migrate']);
  });
});
