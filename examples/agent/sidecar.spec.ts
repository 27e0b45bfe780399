// How a user tests their own agent code in virtual time: a FakeDriver
// scripts the sidecar's life, a TestScheduler runs minutes in microseconds,
// and the marble diagram is the assertion.
import { TestScheduler } from 'rxjs/testing';
import { FakeDriver } from 'rxdaemon/testing';
import { describe, expect, it } from 'vitest';
import { sidecarHealth } from './sidecar.js';

const scheduler = () => new TestScheduler((actual, expected) => { expect(actual).toEqual(expected); });

describe('sidecarHealth', () => {
  it('is up after 5 s of running, down while it restarts, up again', () => {
    scheduler().run(({ expectObservable }) => {
      // The first sidecar crashes after 8 s; the second one stays.
      const driver = new FakeDriver((spawn) => (spawn === 1 ? { exitAfterMs: 8_000, exitCode: 1 } : {}));
      expectObservable(sidecarHealth('web', { driver })).toBe('s 4999ms u 2999ms (ds) 4996ms u', {
        s: 'starting',
        u: 'up',
        d: 'down',
      });
    });
  });

  it('backs off 0.5, 1, 2, 4 s between quick crashes, then reports failed', () => {
    scheduler().run(({ expectObservable }) => {
      const driver = new FakeDriver({ exitAfterMs: 100, exitCode: 1 });
      expectObservable(sidecarHealth('web', { driver })).toBe('s 99ms d 499ms s 99ms d 999ms s 99ms d 1999ms s 99ms d 3999ms s 99ms (df|)', {
        s: 'starting',
        d: 'down',
        f: 'failed',
      });
    });
  });

  it('asks envoy for the right config, and stops it with SIGINT', () => {
    scheduler().run(({ cold, flush }) => {
      const driver = new FakeDriver({});
      sidecarHealth('api', { driver, stop$: cold('1s x') }).subscribe();
      flush();
      expect(driver.spawns.map((spec) => [spec.command, ...spec.args])).toEqual([['envoy', '-c', '/etc/envoy/api.yaml']]);
      expect(driver.spawns[0]?.env).toMatchObject({ RXDAEMON_ID: 'api-sidecar' });
      expect(driver.signalLog()).toEqual(['SIGINT@1000']);
    });
  });
});
