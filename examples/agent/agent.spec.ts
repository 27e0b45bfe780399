// How a user tests their own agent in virtual time: testKit gives a
// TestScheduler and a FakeDriver on it, the FakeDriver scripts each
// daemon's life by its id (when it exits, when it is ready, when it turns
// unhealthy), its `check` stands in for every real check, and the marble
// diagram is the assertion.
import { right } from 'fp-ts/lib/Either.js';
import { distinctUntilChanged, filter, map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { DaemonState, Manager, ManagerEvent } from 'rxdaemon';
import { testKit, type FakeDriver, type Script } from 'rxdaemon/testing';
import { describe, expect, it } from 'vitest';
import { agent, type AgentOptions } from './agent.js';

const kit = (script: Script) =>
  testKit(
    new TestScheduler((actual, expected) => {
      expect(actual).toEqual(expected);
    }),
    script,
  );

/** The agent of `web` on a kit: the FakeDriver's check is every daemon's check, and the jitter is fixed. */
const webAgent = (options: AgentOptions & { readonly driver: FakeDriver }) =>
  agent('web', { random: () => 0.5, checks: { certs: options.driver.check, envoy: options.driver.check }, ...options });

/** One daemon's events of the given types, as `type` (and `:code` for an end). */
const eventsOf = (events$: Observable<ManagerEvent>, id: string, types: readonly string[]): Observable<string> =>
  events$.pipe(
    filter((event) => 'id' in event && event.id === id && types.includes(event.type)),
    map((event) => (event.type === 'exited' || event.type === 'completed' ? `${event.type}:${String(event.code)}` : event.type)),
  );

/** One daemon's status in a manager's states, or what it waits for. */
const statusOf = (states$: Observable<ReadonlyMap<string, DaemonState>>, id: string): Observable<string> =>
  states$.pipe(
    map((states) => states.get(id)),
    map((state) => (state?.waitingFor === undefined ? (state?.status ?? 'unknown') : `waits for ${state.waitingFor.join(', ')}`)),
    distinctUntilChanged(),
  );

const READY = { f: false, t: true };

describe('all ready, from Manager.states$', () => {
  it('is true only once every daemon is ready: certs 2 s after its spawn, envoy 3 s after its own', () => {
    const { scheduler, options } = kit({ byId: { certs: { readyAfterMs: 2_000 }, envoy: { readyAfterMs: 3_000 } } });
    scheduler.run(({ cold, expectObservable }) => {
      const { manager, allReady$ } = webAgent(options);
      expectObservable(allReady$, '^ 20s !').toBe('f 4999ms t', READY);
      manager.run();
      // Envoy's health checks run until the agent ends.
      cold('30s k').subscribe(() => void manager.kill());
    });
  });

  it('envoy waits for certs: it is not spawned until certs is ready, also through a certs helper that was not ready in time', () => {
    // The first certs helper would need a minute, past its 30 s; the second is ready in 1 s.
    const { scheduler, options, driver } = kit({ byId: { certs: (spawn) => ({ readyAfterMs: spawn === 1 ? 60_000 : 1_000 }), envoy: {} } });
    scheduler.run(({ cold, expectObservable }) => {
      const { manager, allReady$ } = webAgent(options);
      // Spawned, started and ready in one moment: states$ shows where that moment ends.
      expectObservable(statusOf(manager.states$, 'envoy'), '^ 40s !').toBe('(uw) 30996ms r', { u: 'unknown', w: 'waits for certs', r: 'running' });
      expectObservable(eventsOf(manager.events$, 'certs', ['spawning', 'not-ready', 'ready']), '^ 40s !').toBe('s 29999ms (ns) 996ms r', { s: 'spawning', n: 'not-ready', r: 'ready' });
      expectObservable(allReady$, '^ 40s !').toBe('f 30999ms t', READY);
      manager.run();
      cold('60s k').subscribe(() => void manager.kill());
    });
    expect(driver.spawns.map((spec) => spec.command)).toEqual(['cert-helper', 'cert-helper', 'envoy']);
  });

  it('an unhealthy envoy turns it false, and true again once its restart is ready', () => {
    // The first envoy stops answering 20 s after it was ready; every envoy is ready 1 s after its spawn.
    const { scheduler, options, driver } = kit({ byId: { certs: {}, envoy: (spawn) => (spawn === 1 ? { readyAfterMs: 1_000, unhealthyAfterMs: 20_000 } : { readyAfterMs: 1_000 }) } });
    scheduler.run(({ cold, expectObservable }) => {
      const { manager, allReady$ } = webAgent(options);
      // Ready at 1 s; failing from 21 s, so the checks at 21, 26 and 31 s fail (every 5 s from ready): unhealthy at 31 s, restarted at once.
      expectObservable(allReady$, '^ 40s !').toBe('f 999ms t 29999ms f 999ms t', READY);
      expectObservable(eventsOf(manager.events$, 'envoy', ['health-failed', 'unhealthy']), '^ 40s !').toBe('21s f 4999ms f 4999ms (fu)', { f: 'health-failed', u: 'unhealthy' });
      manager.run();
      cold('60s k').subscribe(() => void manager.kill());
    });
    expect(driver.signalLog()[0]).toBe('SIGTERM 1001@31000');
  });

  it('a certs helper that restarts turns it false until the new one is ready, and leaves envoy running', () => {
    // The first helper crashes after 20 s; the second is ready half a second after its spawn.
    const { scheduler, options, driver } = kit({ byId: { certs: (spawn) => (spawn === 1 ? { exitAfterMs: 20_000, exitCode: 1 } : { readyAfterMs: 500 }), envoy: {} } });
    scheduler.run(({ cold, expectObservable }) => {
      const { manager, allReady$ } = webAgent(options);
      expectObservable(allReady$, '^ 40s !').toBe('(ft) 19996ms f 499ms t', READY);
      manager.run();
      cold('60s k').subscribe(() => void manager.kill());
    });
    expect(driver.spawns.map((spec) => spec.command)).toEqual(['cert-helper', 'envoy', 'cert-helper']);
  });
});

describe('the agent’s sidecar health', () => {
  it('is up once envoy is stable (10 s), down while it restarts, up again', () => {
    // The first envoy crashes after 12 s; the second stays.
    const { scheduler, options } = kit({ byId: { envoy: (spawn) => (spawn === 1 ? { exitAfterMs: 12_000, exitCode: 1 } : {}) }, otherwise: {} });
    scheduler.run(({ cold, expectObservable }) => {
      const { manager, sidecar$ } = webAgent(options);
      expectObservable(sidecar$, '^ 60s !').toBe('s 9999ms u 1999ms (ds) 9996ms u', { s: 'starting', u: 'up', d: 'down' });
      manager.run();
      cold('70s k').subscribe(() => void manager.kill());
    });
  });

  it('backs off with equal jitter (¾ of 2, 4, 8 s with random 0.5) between quick crashes, and fails at the sixth restart within a minute', () => {
    const { scheduler, options } = kit({ byId: { envoy: { exitAfterMs: 100, exitCode: 1 } }, otherwise: {} });
    scheduler.run(({ cold, expectObservable }) => {
      const { manager, sidecar$ } = webAgent(options);
      // Restarts 1–2 are immediate; 3, 4, 5 wait 1.5, 3 and 6 s; the sixth would be the sixth in a minute.
      expectObservable(sidecar$, '^ 60s !').toBe('s 99ms (ds) 96ms (ds) 96ms d 1499ms s 99ms d 2999ms s 99ms d 5999ms s 99ms (df)', {
        s: 'starting',
        d: 'down',
        f: 'failed',
      });
      manager.run();
      cold('70s k').subscribe(() => void manager.kill());
    });
  });
});

describe('each daemon with its own options', () => {
  it('envoy is stopped first, with SIGTERM, and drains for up to its 20 s of grace; certs only once envoy is gone', () => {
    // Envoy drains for 15 s at SIGTERM.
    const { scheduler, options, driver } = kit({ byId: { envoy: { onSigint: { exitAfterMs: 15_000 } }, certs: {} } });
    scheduler.run(({ cold, expectObservable }) => {
      const { manager } = webAgent(options);
      expectObservable(eventsOf(manager.events$, 'envoy', ['stopping', 'killing', 'exited', 'stopped'])).toBe('30s s 14999ms (xS|)', { s: 'stopping', x: 'exited:0', S: 'stopped' });
      manager.run();
      cold('30s k').subscribe(() => void manager.kill());
    });
    expect(driver.signalLog()).toEqual(['SIGTERM 1001@30000', 'SIGINT 1000@45000']);
  });

  it('an envoy that does not drain is killed when its 20 s of grace run out', () => {
    const { scheduler, options, driver } = kit({ byId: { envoy: { onSigint: 'ignore' }, certs: {} } });
    scheduler.run(({ cold, expectObservable }) => {
      const { manager } = webAgent(options);
      expectObservable(eventsOf(manager.events$, 'envoy', ['stopping', 'killing', 'exited'])).toBe('30s s 19999ms (kx|)', { s: 'stopping', k: 'killing', x: 'exited:null' });
      manager.run();
      cold('30s k').subscribe(() => void manager.kill());
    });
    // The helper, stopped with SIGINT once envoy is gone, went at once.
    expect(driver.signalLog()).toEqual(['SIGTERM 1001@30000', 'SIGKILL 1001@50000', 'SIGINT 1000@50000']);
  });
});

describe('Manager.restart', () => {
  it('restart("envoy") restarts envoy alone, gracefully, and resolves once the new one runs', async () => {
    const { scheduler, options, driver } = kit({ byId: { envoy: { onSigint: { exitAfterMs: 2_000 } }, certs: {} } });
    let restarted: ReturnType<Manager['restart']> | undefined;
    scheduler.run(({ cold, expectObservable }) => {
      const { manager } = webAgent(options);
      const lives$ = manager.events$.pipe(
        filter((event) => event.type === 'spawning' || event.type === 'stopping' || event.type === 'exited'),
        map((event) => `${'id' in event ? event.id : ''}:${event.type}`),
      );
      expectObservable(lives$, '^ 60s !').toBe('(ce) 29996ms s 1999ms (xE)', {
        c: 'certs:spawning',
        e: 'envoy:spawning',
        s: 'envoy:stopping',
        x: 'envoy:exited',
        E: 'envoy:spawning',
      });
      manager.run();
      cold('30s r').subscribe(() => {
        restarted = manager.restart('envoy');
      });
      cold('70s k').subscribe(() => void manager.kill());
    });
    await expect(restarted).resolves.toEqual(right('restarted'));
    expect(driver.spawns.map((spec) => spec.command)).toEqual(['cert-helper', 'envoy', 'envoy']);
  });
});
