import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { supervise } from '../../lib/daemon/supervise.js';
import { manage } from '../../lib/manager/manage.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { restartOn } from '../../lib/policy/restart-on.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import type { Script } from '../../lib/testing/script.js';
import { testKit } from '../../lib/testing/test-kit.js';

const onFailure = restartOn(consulBackoff(), { when: 'on-failure' });

/** Every end of a manager's daemons, as `id:code@ms`, in 10 virtual seconds. */
const ends = (desired: DesiredSet, script: Script): string[] => {
  const seen: string[] = [];
  const { scheduler, options } = testKit(script);
  scheduler.run(({ cold }) => {
    manage(of(desired), { ...options, kill$: cold('10s k') }).subscribe((event) => {
      if (event.type === 'exited') seen.push(`${event.id}:${String(event.code ?? event.signal)}@${event.at}`);
    });
  });
  return seen;
};

describe('FakeDriver scripts', () => {
  it('byId: each daemon has its own script, matched by its id', () => {
    const desired = { db: { command: 'postgres', restart: onFailure }, web: { command: 'nginx', restart: onFailure } };
    expect(ends(desired, { byId: { db: { exitAfterMs: 300, exitCode: 0 }, web: { exitAfterMs: 100, exitCode: 0 } } })).toEqual(['web:0@100', 'db:0@300']);
  });

  it('byId: a function counts the spawns of its own id, 1 for the first', () => {
    const desired = { db: { command: 'postgres' }, web: { command: 'nginx' } };
    // db's second spawn is the driver's third: web's crash came first.
    const script: Script = {
      byId: {
        web: (spawn) => (spawn === 1 ? { exitAfterMs: 100, exitCode: 1 } : {}),
        db: (spawn) => (spawn === 1 ? { exitAfterMs: 200, exitCode: 2 } : {}),
      },
    };
    expect(ends(desired, script)).toEqual(['web:1@100', 'db:2@200', 'db:SIGINT@10000', 'web:SIGINT@10000']);
  });

  it('the function form’s index counts every spawn of the driver, across ids; its spec has the id in its env', () => {
    const seen: string[] = [];
    ends({ db: { command: 'postgres' }, web: { command: 'nginx' } }, (spawn, spec) => {
      seen.push(`${spawn}:${spec.env.RXDAEMON_ID ?? ''}`);
      return spawn <= 2 ? { exitAfterMs: 100, exitCode: 1 } : {};
    });
    expect(seen).toEqual(['1:db', '2:web', '3:db', '4:web']);
  });

  it('byId: `otherwise` scripts the ids it does not list', () => {
    const desired = { db: { command: 'postgres', restart: onFailure }, web: { command: 'nginx', restart: onFailure } };
    expect(ends(desired, { byId: { db: { exitAfterMs: 300 } }, otherwise: { exitAfterMs: 50 } })).toEqual(['web:0@50', 'db:0@300']);
  });

  it('byId without `otherwise`: a spawn of an id it does not list is a bug of the test, the stream’s error, a TypeError naming the id', () => {
    const { scheduler, options } = testKit({ byId: { db: {} } });
    const errors: unknown[] = [];
    supervise({ command: 'nginx', id: 'web' }, options).subscribe({ error: (error: unknown) => errors.push(error) });
    scheduler.flush();
    expect(errors).toEqual([new TypeError('FakeDriver: no script for the spawn of `nginx` with RXDAEMON_ID=web: byId lists db; add it, or give `otherwise`.')]);
  });

  it('byId follows a renamed id variable (envNames.id) when told', () => {
    const { scheduler } = testKit();
    const driver = new FakeDriver({ byId: { web: { exitAfterMs: 5 } } }, { scheduler, idVariable: 'AGENT_ID' });
    const seen: number[] = [];
    scheduler.run(() => {
      supervise({ command: 'nginx', id: 'web' }, { driver, scheduler, envNames: { id: 'AGENT_ID' }, restart: onFailure }).subscribe((event) => {
        if (event.type === 'exited') seen.push(event.at);
      });
    });
    expect(seen).toEqual([5]);
  });
});
