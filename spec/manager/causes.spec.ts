import { BehaviorSubject, distinctUntilChanged, filter, map, of, takeUntil, timer, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { DaemonState } from '../../lib/daemon/state.js';
import { manage } from '../../lib/manager/manage.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { Manager } from '../../lib/manager/manager.js';
import { StatusBoard } from '../../lib/manager/status-board.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { limitRestarts } from '../../lib/policy/limit-restarts.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { testScheduler } from '../helpers/virtual-time.js';

// DESIGN: every state other than `running` says why, in words, in
// Manager.states$ and in `rxdaemon status` (table and --json): waiting for
// `db` to be ready, gave up after 5 restarts in 60 s, stopped on request,
// held: the pid limit. In virtual time, on the FakeDriver.

const line = (state: DaemonState | undefined): string => (state === undefined ? 'absent' : `${state.status}: ${state.cause ?? '-'}`);

/** One daemon's state in states$, as `status: cause` lines, each once. */
const stateOf = (manager: Manager, id: string): Observable<string> =>
  manager.states$.pipe(
    map((states) => line(states.get(id))),
    distinctUntilChanged(),
  );

// Every restart at once; at most 5 a minute: a process that exits after 100 ms gives up at 600 ms.
const crashing = { command: 'mailer', restart: limitRestarts(consulBackoff({ freeAttempts: 10 }), { max: 5, withinMs: 60_000 }) };

describe('Manager.states$: the cause of every state other than running', () => {
  it('a service waiting for its `after`: what it still waits for, until it runs', () => {
    testScheduler().run(({ expectObservable }) => {
      const driver = new FakeDriver({ byId: { db: { readyAfterMs: 5_000 }, cache: { readyAfterMs: 2_000 }, api: {} } });
      const ready = { check: driver.check };
      const manager = new Manager(of<DesiredSet>({ db: { command: 'db', ready }, cache: { command: 'cache', ready }, api: { command: 'api', after: ['db', 'cache'] } }), { driver });
      manager.run();
      // `(xa)` takes 4 frames: 1996 ms lands `b` at 2 s.
      expectObservable(stateOf(manager, 'api').pipe(takeUntil(timer(6_000)))).toBe('(xa) 1996ms b 2999ms c 999ms |', {
        x: 'absent',
        a: 'idle: waiting for db and cache to be ready',
        b: 'idle: waiting for db to be ready',
        c: 'running: -',
      });
    });
  });

  it('one that gave up: after how many restarts in how long, and the last trouble', () => {
    testScheduler().run(({ expectObservable }) => {
      const driver = new FakeDriver({ exitAfterMs: 100, exitCode: 1 });
      const manager = new Manager(of<DesiredSet>({ mailer: crashing }), { driver });
      manager.run();
      const last$ = stateOf(manager, 'mailer').pipe(filter((state) => state.startsWith('gave-up')));
      expectObservable(last$.pipe(takeUntil(timer(10_000)))).toBe('600ms a 9399ms |', { a: 'gave-up: gave up after 5 restarts in 60 s; last: exited with code 1' });
    });
  });

  it('one stopped on request, and one a limit of the OS holds back: which limit, and how to raise it', () => {
    testScheduler().run(({ expectObservable, cold }) => {
      const driver = new FakeDriver({}, { processLimit: 1 });
      const manager = new Manager(of<DesiredSet>({ web: { command: 'web' }, extra: { command: 'extra' } }), { driver });
      manager.run();
      cold('1s s').subscribe(() => void manager.stop('web'));
      const both$ = manager.states$.pipe(
        map((states) => `web ${line(states.get('web'))} | extra ${line(states.get('extra'))}`),
        distinctUntilChanged(),
      );
      // Held at the first reconcile, before web spawned (its room kept); started once web is stopped.
      const held = "extra idle: held: RLIMIT_NPROC is 1, 0 in use; ulimit -u 2, or systemd's LimitNPROC=2";
      expectObservable(both$.pipe(takeUntil(timer(2_000)))).toBe('(abc) 995ms (de) 996ms |', {
        a: 'web absent | extra absent',
        b: `web absent | ${held}`,
        c: `web running: - | ${held}`,
        d: `web stopped: stopped on request | ${held}`,
        e: 'web stopped: stopped on request | extra running: -',
      });
    });
  });

  it('never idle, nor any state but running, without a cause: a crash loop, a dependency, a stop, a restart, a reload, a held id', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver(
      { byId: { db: { readyAfterMs: 3_000 }, api: {}, mailer: { exitAfterMs: 100, exitCode: 1 }, web: { onSigint: { exitAfterMs: 200 } }, extra: {} } },
      { scheduler, processLimit: 4 },
    );
    const services = { db: { command: 'db', ready: { check: driver.check } }, api: { command: 'api', after: ['db'] }, mailer: crashing, web: { command: 'web' }, extra: { command: 'extra' } };
    const desired$ = new BehaviorSubject<DesiredSet>(services);
    const manager = new Manager(desired$, { driver, scheduler, quietMs: 0 });
    const uncaused: string[] = [];
    let seen = 0;
    manager.states$.subscribe((states) => {
      for (const [id, state] of states) {
        seen += 1;
        if (state.status !== 'running' && (state.cause === undefined || state.cause === '')) uncaused.push(`${id}: ${JSON.stringify(state)}`);
      }
    });
    manager.run();
    scheduler.schedule(() => void manager.restart('web'), 1_000);
    scheduler.schedule(() => void manager.stop('api'), 5_000);
    scheduler.schedule(() => void manager.start('api'), 6_000);
    scheduler.schedule(() => {
      desired$.next({ ...services, web: { command: 'web', args: ['--changed'] } });
    }, 7_000);
    scheduler.schedule(() => void manager.start('mailer'), 8_000);
    scheduler.schedule(() => void manager.kill(), 30_000);
    scheduler.flush();
    expect(seen).toBeGreaterThan(20);
    expect(uncaused).toEqual([]);
  });
});

describe('manage(): a `waiting` event says its cause', () => {
  it('in words, naming what it waits for', () => {
    testScheduler().run(({ expectObservable }) => {
      const driver = new FakeDriver({ byId: { db: { readyAfterMs: 1_000 }, api: {} } });
      const events$ = manage(of<DesiredSet>({ db: { command: 'db', ready: { check: driver.check } }, api: { command: 'api', after: ['db'] } }), { driver, kill$: timer(2_000) });
      expectObservable(events$.pipe(filter((event) => event.type === 'waiting'))).toBe('a 1999ms |', {
        a: { type: 'waiting', at: 0, id: 'api', for: ['db'], cause: 'waiting for db to be ready' },
      });
    });
  });
});

describe('StatusBoard: the cause of each configured service, null when it runs', () => {
  it('one not started yet, one skipped as invalid, one running; every report has DESIGN’s fields, cause last', () => {
    const board = new StatusBoard();
    board.see({ type: 'invalid-entry', at: 0, id: 'bad', message: 'not started: a process recorded for it still runs' });
    board.see({ type: 'spawning', at: 0, id: 'web', attempt: 1 });
    board.see({ type: 'started', at: 0, id: 'web', pid: 4_194_305, attempt: 1 });
    board.see({ type: 'ready', at: 0, id: 'web', pid: 4_194_305, afterMs: 0 });
    const reports = board.report(['new', 'bad', 'web'], 1_000);
    expect(reports.map(({ id, status, cause }) => [id, status, cause])).toEqual([
      ['new', 'idle', 'not started yet'],
      ['bad', 'idle', 'not started: a process recorded for it still runs'],
      ['web', 'running', null],
    ]);
    for (const report of reports) expect(Object.keys(report)).toEqual(['id', 'status', 'pid', 'since', 'uptimeMs', 'restarts', 'lastExit', 'cpuPercent', 'cpuScope', 'rssBytes', 'memoryScope', 'cause']);
  });
});
