import { left, right } from 'fp-ts/lib/Either.js';
import { filter, map, of, take, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { DaemonState } from '../../lib/daemon/state.js';
import type { ControlRequest, ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { Manager } from '../../lib/manager/manager.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { limitRestarts } from '../../lib/policy/limit-restarts.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import type { Script } from '../../lib/testing/script.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { testScheduler } from '../helpers/virtual-time.js';

// M9: what Manager.start/restart/stop(id) resolve with: what each did
// (`started`, `restarted`, `stopped`) or found (`already-running`,
// `already-stopped`), a Left when it could not. In virtual time, on the
// FakeDriver: each request is flushed to its end before it is awaited.

/** A manager of `desired` (or of what it makes of the driver) on a FakeDriver scripted by `script`, its spawns as `id#attempt@ms`, and a way to ask it things. */
const managed = (desired: DesiredSet | ((driver: FakeDriver) => DesiredSet), script: Script, { untilMs = Number.POSITIVE_INFINITY } = {}) => {
  const scheduler = testScheduler();
  // Each flush runs the virtual clock up to `untilMs` at most.
  scheduler.maxFrames = untilMs;
  const driver = new FakeDriver(script, { scheduler });
  const manager = new Manager(of(typeof desired === 'function' ? desired(driver) : desired), { driver, scheduler });
  const spawns: string[] = [];
  manager.events$.subscribe((event) => event.type === 'spawning' && spawns.push(`${event.id}#${event.attempt}@${event.at}`));
  let states: ReadonlyMap<string, DaemonState> = new Map();
  manager.states$.subscribe((now) => (states = now));
  manager.run();
  scheduler.flush();
  /** Runs a request to its end in virtual time, and what it resolved with. */
  const ask = <T>(request: () => Promise<T>): Promise<T> => {
    const answer = request();
    scheduler.flush();
    return answer;
  };
  /** Runs the virtual clock on, to its end. */
  const finish = (): void => {
    scheduler.maxFrames = Number.POSITIVE_INFINITY;
    scheduler.flush();
  };
  return { manager, spawns, ask, finish, state: (id: string) => states.get(id) };
};

// Exits 1 after 100 ms, three runs in a row; at most 2 restarts a minute: it gives up at 300 ms, at its third exit.
const crashing = { command: 'mailer', restart: limitRestarts(consulBackoff(), { max: 2, withinMs: 60_000 }) };
const crashesThrice = (spawn: number) => (spawn <= 3 ? { exitAfterMs: 100, exitCode: 1 } : {});

describe('Manager.start/restart/stop(id): what each did or found', () => {
  it('start revives a daemon that gave up: a new run with a fresh attempt count, its restarts counted on, never reset', async () => {
    const { manager, spawns, ask, state } = managed({ mailer: crashing }, { byId: { mailer: crashesThrice } });
    expect(state('mailer')).toMatchObject({ status: 'gave-up', restarts: 2 });
    expect(await ask(() => manager.start('mailer'))).toEqual(right('started'));
    expect(spawns).toEqual(['mailer#1@0', 'mailer#2@100', 'mailer#3@200', 'mailer#1@300']);
    expect(state('mailer')).toMatchObject({ status: 'running', attempt: 0, restarts: 3 });
  });

  it('restart revives a daemon that completed, as restarted', async () => {
    const { manager, spawns, ask, state } = managed({ job: { command: 'job', restart: noRestart } }, { byId: { job: (spawn) => (spawn === 1 ? { exitAfterMs: 100 } : {}) } });
    expect(state('job')).toMatchObject({ status: 'completed' });
    expect(await ask(() => manager.restart('job'))).toEqual(right('restarted'));
    expect(spawns).toEqual(['job#1@0', 'job#1@100']);
    expect(state('job')).toMatchObject({ status: 'running', restarts: 1 });
  });

  it('a no-op says what it found; each act says what it did; restarts count every spawn after the first', async () => {
    const { manager, spawns, ask, state } = managed({ web: { command: 'web' } }, {});
    expect(await ask(() => manager.start('web'))).toEqual(right('already-running'));
    expect(spawns).toEqual(['web#1@0']);
    expect(await ask(() => manager.restart('web'))).toEqual(right('restarted'));
    expect(await ask(() => manager.stop('web'))).toEqual(right('stopped'));
    expect(await ask(() => manager.stop('web'))).toEqual(right('already-stopped'));
    expect(state('web')).toMatchObject({ status: 'stopped', restarts: 1 });
    expect(await ask(() => manager.start('web'))).toEqual(right('started'));
    expect(await ask(() => manager.start('web'))).toEqual(right('already-running'));
    // Each request ran to its end: the restart's new process was stable at 20 s, when the stop and the start came.
    expect(spawns).toEqual(['web#1@0', 'web#1@10000', 'web#1@20000']);
    expect(state('web')).toMatchObject({ status: 'running', restarts: 2 });
  });

  it('a stop of a daemon that gave up finds it stopped, and holds it down: a restart is refused until a start', async () => {
    const { manager, ask, state } = managed({ mailer: crashing }, { byId: { mailer: crashesThrice } });
    expect(await ask(() => manager.stop('mailer'))).toEqual(right('already-stopped'));
    expect(await ask(() => manager.restart('mailer'))).toEqual(left({ code: 'EREFUSED', message: 'cannot restart mailer: it was stopped on request; start it first' }));
    expect(await ask(() => manager.start('mailer'))).toEqual(right('started'));
    expect(state('mailer')).toMatchObject({ status: 'running', restarts: 3 });
  });

  it('a daemon waiting for its `after`: already started; a stop stops it; a start lets it wait again', async () => {
    const { manager, spawns, ask, finish, state } = managed(
      (driver) => ({ db: { command: 'db', ready: { check: driver.check, timeoutMs: 120_000 } }, api: { command: 'api', after: ['db'] } }),
      { byId: { db: { readyAfterMs: 60_000 }, api: {} } },
      { untilMs: 30_000 },
    );
    expect(state('api')).toMatchObject({ status: 'idle', cause: 'waiting for db to be ready' });
    expect(await ask(() => manager.start('api'))).toEqual(right('already-running'));
    expect(await ask(() => manager.stop('api'))).toEqual(right('stopped'));
    expect(state('api')).toMatchObject({ status: 'stopped', cause: 'stopped on request' });
    expect(await ask(() => manager.start('api'))).toEqual(right('started'));
    expect(state('api')).toMatchObject({ status: 'idle', cause: 'waiting for db to be ready' });
    finish();
    expect(spawns.filter((spawn) => spawn.startsWith('api'))).toEqual(['api#1@60000']);
  });

  it('what cannot be done is a Left saying why: an id not desired; a restart whose new process fails to spawn', async () => {
    const { manager, ask } = managed({ web: { command: 'web' } }, { byId: { web: (spawn) => (spawn === 2 ? { spawnError: 'ENOENT' } : {}) } });
    expect(await ask(() => manager.restart('nope'))).toEqual(left({ code: 'EREFUSED', message: 'cannot restart nope: no service "nope" is configured' }));
    expect(await ask(() => manager.start('nope'))).toEqual(left({ code: 'EREFUSED', message: 'cannot start nope: no service "nope" is configured' }));
    const failed = await ask(() => manager.restart('web'));
    expect(failed).toEqual(left({ code: 'ESPAWN', message: expect.stringMatching(/^cannot restart web: its new process failed to spawn: .*ENOENT/) as unknown }));
  });
});

describe('manage(): each control$ request ends with control-done, saying what it came to, or control-refused', () => {
  const done = (events$: Observable<ManagerEvent>): Observable<string> =>
    events$.pipe(
      filter((event) => event.type === 'control-done' || event.type === 'control-refused'),
      map((event) => (event.type === 'control-done' ? `${event.request} ${event.id}: ${event.outcome}` : `${event.request} ${event.id} refused: ${event.message}`)),
    );

  it('at the event that carries each out, or at once for a no-op', () => {
    testScheduler().run(({ expectObservable, hot }) => {
      const driver = new FakeDriver({ byId: { mailer: crashesThrice, web: {} } });
      const control$ = hot<ControlRequest>('1s a 999ms b 999ms c 999ms d 999ms e', {
        a: { type: 'start', id: 'web' },
        b: { type: 'start', id: 'mailer' },
        c: { type: 'stop', id: 'web' },
        d: { type: 'stop', id: 'web' },
        e: { type: 'restart', id: 'web' },
      });
      const events$ = manage(of<DesiredSet>({ web: { command: 'web' }, mailer: crashing }), { driver, control$ });
      expectObservable(done(events$).pipe(take(5))).toBe('1s a 999ms b 999ms c 999ms d 999ms (e|)', {
        a: 'start web: already-running',
        b: 'start mailer: started',
        c: 'stop web: stopped',
        d: 'stop web: already-stopped',
        e: 'restart web refused: it was stopped on request; start it first',
      });
    });
  });
});
