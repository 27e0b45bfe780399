import { filter, map, of, take, timer, type Observable } from 'rxjs';
import { describe, it } from 'vitest';
import type { ControlRequest, ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import type { DesiredSet, Service } from '../../lib/manager/service.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { testScheduler } from '../helpers/virtual-time.js';

const services = (...ids: string[]): DesiredSet => Object.fromEntries(ids.map((id): [string, Service] => [id, { command: id }]));

/** What a spec of the limit looks at, one letter each: a reconcile (what it started), the limit (what it holds), a spawn, a daemon's end, a refusal. */
const seen = (events$: Observable<ManagerEvent>): Observable<string> =>
  events$.pipe(
    map((event) => {
      switch (event.type) {
        case 'reconcile':
          return `reconcile ${event.started.join(',')}`;
        case 'limit-reached':
          return `held ${event.held.join(',')}`;
        case 'spawning':
        case 'completed':
        case 'stopped':
          return `${event.type} ${event.id}`;
        case 'control-refused':
          return `refused ${event.id}: ${event.message}`;
        default:
          return undefined;
      }
    }),
    filter((line): line is string => line !== undefined),
  );

// Every manager ends by then, should a spec's events not come: held ids are tried every 10 s until the end.
const END = timer(60_000);

describe('ids held back by a limit of the OS', () => {
  it('are said once, and the first of them starts as soon as a daemon of the manager ends', () => {
    testScheduler().run(({ expectObservable }) => {
      const driver = new FakeDriver({ byId: { a: { exitAfterMs: 3_000 } }, otherwise: {} }, { processLimit: 2 });
      const desired = { a: { command: 'a', restart: noRestart }, ...services('b', 'c') };
      const events$ = manage(of(desired), { driver, quietMs: 0, kill$: END });
      expectObservable(seen(events$).pipe(take(6))).toBe('(rlab) 2994ms (xc|)', {
        r: 'reconcile a,b',
        l: 'held c',
        a: 'spawning a',
        b: 'spawning b',
        x: 'completed a',
        c: 'spawning c',
      });
    });
  });

  it('are tried again every 10 s, for room freed by processes the manager does not run; nothing is said while there is none', () => {
    testScheduler().run(({ expectObservable }) => {
      const driver = new FakeDriver({}, { processLimit: 2 });
      const outsider = driver.addProcess();
      timer(15_000).subscribe(() => {
        driver.end(outsider.pid, { code: 0, signal: null });
      });
      const events$ = manage(of(services('a', 'b')), { driver, quietMs: 0, kill$: END });
      // The try at 10 s finds no room and says nothing; the one at 20 s starts b.
      expectObservable(seen(events$).pipe(take(4))).toBe('(rla) 19995ms (b|)', { r: 'reconcile a', l: 'held b', a: 'spawning a', b: 'spawning b' });
    });
  });

  it('one is tried again at once when asked to start: refused, with its cause, while there is no room', () => {
    testScheduler().run(({ expectObservable, hot }) => {
      const driver = new FakeDriver({}, { processLimit: 3 });
      const outsiders = [driver.addProcess(), driver.addProcess()];
      timer(2_000).subscribe(() => {
        driver.end(outsiders[0]?.pid ?? 0, { code: 0, signal: null });
      });
      const control$ = hot<ControlRequest>('1s s 2999ms s', { s: { type: 'start', id: 'b' } });
      const events$ = manage(of(services('a', 'b')), { driver, quietMs: 0, control$, kill$: END });
      expectObservable(seen(events$).pipe(take(5))).toBe('(rla) 995ms f 2999ms (b|)', {
        r: 'reconcile a',
        l: 'held b',
        a: 'spawning a',
        f: `refused b: held: RLIMIT_NPROC is 3, 3 in use; ulimit -u 4, or systemd's LimitNPROC=4 (tried again as room is freed)`,
        b: 'spawning b',
      });
    });
  });

  it('a stop asked for a held id stops it at once, and its start needs room again', () => {
    testScheduler().run(({ expectObservable, hot }) => {
      const driver = new FakeDriver({}, { processLimit: 1 });
      const control$ = hot<ControlRequest>('1s p 999ms q 999ms s', { p: { type: 'stop', id: 'b' }, q: { type: 'stop', id: 'a' }, s: { type: 'start', id: 'b' } });
      const events$ = manage(of(services('a', 'b')), { driver, quietMs: 0, control$, kill$: END });
      // b stopped: a's end at 2 s frees room for nothing held; b's start at 3 s finds it.
      expectObservable(seen(events$).pipe(take(6))).toBe('(rla) 995ms p 999ms q 999ms (b|)', {
        r: 'reconcile a',
        l: 'held b',
        a: 'spawning a',
        p: 'stopped b',
        q: 'stopped a',
        b: 'spawning b',
      });
    });
  });

  it('room is kept for what a reconcile starts: a stop that ends at once, of a daemon waiting to restart, starts no held id past the limit', () => {
    testScheduler().run(({ expectObservable, cold }) => {
      const driver = new FakeDriver({ byId: { b: { exitAfterMs: 500, exitCode: 1 } }, otherwise: {} }, { processLimit: 4 });
      const b = { command: 'b', restart: consulBackoff({ freeAttempts: 0 }) };
      const desired$ = cold<DesiredSet>('a 999ms b', { a: { ...services('a'), b, ...services('c') }, b: services('a', 'c', 'd', 'e', 'f') });
      const events$ = manage(desired$, { driver, quietMs: 0, kill$: END });
      // b exited at 0.5 s and waits 4 s to restart: at 1 s there is room for 2, d and e; b's stop ends at once, freeing none.
      expectObservable(seen(events$).pipe(take(9))).toBe('(rabc) 994ms (RLxde|)', {
        r: 'reconcile a,b,c',
        a: 'spawning a',
        b: 'spawning b',
        c: 'spawning c',
        R: 'reconcile d,e',
        L: 'held f',
        x: 'stopped b',
        d: 'spawning d',
        e: 'spawning e',
      });
    });
  });

  it("a reconcile's started lists only what it started; what it holds is the limit's", () => {
    testScheduler().run(({ expectObservable, cold }) => {
      const driver = new FakeDriver({}, { processLimit: 3 });
      const desired$ = cold<DesiredSet>('a 999ms b 999ms c', { a: services('a', 'b', 'c', 'd', 'e'), b: services('a', 'b', 'c', 'd', 'e', 'f'), c: services('a', 'd', 'e', 'f') });
      const events$ = manage(desired$, { driver, quietMs: 0, kill$: END });
      // At 2 s b and c leave: the reconcile starts nothing (their stops are under way); b's end makes room for d, c's for e.
      expectObservable(seen(events$).pipe(take(15))).toBe('(rlabc) 993ms (RL) 996ms (QKxDyEde|)', {
        r: 'reconcile a,b,c',
        l: 'held d,e',
        a: 'spawning a',
        b: 'spawning b',
        c: 'spawning c',
        R: 'reconcile ',
        L: 'held d,e,f',
        Q: 'reconcile ',
        K: 'held d,e,f',
        x: 'stopped b',
        D: 'held e,f',
        y: 'stopped c',
        E: 'held f',
        d: 'spawning d',
        e: 'spawning e',
      });
    });
  });
});
