// How a user tests their own agent in virtual time: testKit gives a
// TestScheduler and a FakeDriver on it, the FakeDriver scripts each
// daemon's life by its id, and the marble diagram is the assertion.
import { filter, map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { ManagerEvent } from 'rxdaemon';
import { testKit, type Script } from 'rxdaemon/testing';
import { describe, expect, it } from 'vitest';
import { agent } from './agent.js';

const kit = (script: Script) =>
  testKit(
    new TestScheduler((actual, expected) => {
      expect(actual).toEqual(expected);
    }),
    script,
  );

/** One daemon's events of the given types, as `type` (and `:code` for an end). */
const eventsOf = (events$: Observable<ManagerEvent>, id: string, types: readonly string[]): Observable<string> =>
  events$.pipe(
    filter((event) => 'id' in event && event.id === id && types.includes(event.type)),
    map((event) => (event.type === 'exited' || event.type === 'completed' ? `${event.type}:${String(event.code)}` : event.type)),
  );

describe('the agent’s sidecar health', () => {
  it('is up once envoy is stable (10 s), down while it restarts, up again', () => {
    // The first envoy crashes after 12 s; the second stays.
    const { scheduler, options } = kit({ byId: { envoy: (spawn) => (spawn === 1 ? { exitAfterMs: 12_000, exitCode: 1 } : {}) }, otherwise: {} });
    scheduler.run(({ expectObservable }) => {
      const { manager, sidecar$ } = agent('web', options);
      expectObservable(sidecar$, '^ 60s !').toBe('s 9999ms u 1999ms (ds) 9996ms u', { s: 'starting', u: 'up', d: 'down' });
      manager.run();
    });
  });

  it('backs off with equal jitter (¾ of 2, 4, 8 s with random 0.5) between quick crashes, and fails at the sixth restart within a minute', () => {
    const { scheduler, options } = kit({ byId: { envoy: { exitAfterMs: 100, exitCode: 1 } }, otherwise: {} });
    scheduler.run(({ expectObservable }) => {
      const { manager, sidecar$ } = agent('web', { ...options, random: () => 0.5 });
      // Restarts 1–2 are immediate; 3, 4, 5 wait 1.5, 3 and 6 s; the sixth would be the sixth in a minute.
      expectObservable(sidecar$).toBe('s 99ms (ds) 96ms (ds) 96ms d 1499ms s 99ms d 2999ms s 99ms d 5999ms s 99ms (df)', {
        s: 'starting',
        d: 'down',
        f: 'failed',
      });
      manager.run();
    });
  });
});

describe('each daemon with its own options', () => {
  it('envoy is stopped with SIGTERM and drains for up to its 20 s of grace; the helper is long done', () => {
    // Envoy drains for 15 s at SIGTERM; the helper writes the certificates in 0.3 s.
    const { scheduler, options, driver } = kit({ byId: { envoy: { onSigint: { exitAfterMs: 15_000 } }, certs: { exitAfterMs: 300 } } });
    scheduler.run(({ cold, expectObservable }) => {
      const { manager } = agent('web', options);
      expectObservable(eventsOf(manager.events$, 'envoy', ['stopping', 'killing', 'exited', 'stopped'])).toBe('30s s 14999ms (xS|)', { s: 'stopping', x: 'exited:0', S: 'stopped' });
      manager.run();
      cold('30s k').subscribe(() => void manager.kill());
    });
    expect(driver.signalLog()).toEqual(['SIGTERM@30000']);
  });

  it('an envoy that does not drain is killed when its 20 s of grace run out', () => {
    const { scheduler, options, driver } = kit({ byId: { envoy: { onSigint: 'ignore' }, certs: {} } });
    scheduler.run(({ cold, expectObservable }) => {
      const { manager } = agent('web', options);
      expectObservable(eventsOf(manager.events$, 'envoy', ['stopping', 'killing', 'exited'])).toBe('30s s 19999ms (kx|)', { s: 'stopping', k: 'killing', x: 'exited:null' });
      manager.run();
      cold('30s k').subscribe(() => void manager.kill());
    });
    // The helper, stopped with SIGINT, went at once.
    expect(driver.signalLog()).toEqual(['SIGTERM@30000', 'SIGINT@30000', 'SIGKILL@50000']);
  });

  it('the helper completes when it exits 0, and only a failure is tried again', () => {
    // Its first fetch fails after 0.2 s, the second succeeds after 0.3 s.
    const { scheduler, options } = kit({ byId: { envoy: {}, certs: (spawn) => (spawn === 1 ? { exitAfterMs: 200, exitCode: 1 } : { exitAfterMs: 300 }) } });
    scheduler.run(({ expectObservable }) => {
      const { manager } = agent('web', options);
      expectObservable(eventsOf(manager.events$, 'certs', ['spawning', 'exited', 'completed']), '^ 60s !').toBe('s 199ms (xs) 296ms (ec)', {
        s: 'spawning',
        x: 'exited:1',
        e: 'exited:0',
        c: 'completed:0',
      });
      manager.run();
    });
  });
});

describe('Manager.restart', () => {
  it('restart("envoy") restarts envoy alone, gracefully, and resolves once the new one runs', async () => {
    const { scheduler, options, driver } = kit({ byId: { envoy: { onSigint: { exitAfterMs: 2_000 } }, certs: {} } });
    let restarted: Promise<void> | undefined;
    scheduler.run(({ cold, expectObservable }) => {
      const { manager } = agent('web', options);
      const lives$ = manager.events$.pipe(
        filter((event) => event.type === 'spawning' || event.type === 'stopping' || event.type === 'exited'),
        map((event) => `${'id' in event ? event.id : ''}:${event.type}`),
      );
      expectObservable(lives$, '^ 60s !').toBe('(ec) 29996ms s 1999ms (xE)', {
        e: 'envoy:spawning',
        c: 'certs:spawning',
        s: 'envoy:stopping',
        x: 'envoy:exited',
        E: 'envoy:spawning',
      });
      manager.run();
      cold('30s r').subscribe(() => {
        restarted = manager.restart('envoy');
      });
    });
    await expect(restarted).resolves.toBeUndefined();
    expect(driver.spawns.map((spec) => spec.command)).toEqual(['envoy', 'cert-helper', 'envoy']);
  });
});
