import { describe, expect, it } from 'vitest';
import { Dependencies } from '../../lib/manager/dependencies.js';
import type { DependencyFailedEvent, Unstamped, WaitingEvent } from '../../lib/manager/events.js';

const gating = (oneshots: readonly string[] = []) => {
  const said: Unstamped<WaitingEvent | DependencyFailedEvent>[] = [];
  const dependencies = new Dependencies({
    untilOf: (id) => (oneshots.includes(id) ? 'complete' : 'ready'),
    heldOf: () => undefined,
    say: (event) => said.push(event),
  });
  return { dependencies, said };
};

describe('Dependencies: the after gating', () => {
  it('holds a service until what it starts after is ready, saying what it waits for, and lets it go once it is', () => {
    const { dependencies, said } = gating();
    const api = { command: 'api', after: ['db'] };
    expect(dependencies.enter('api', api)).toEqual({ waits: true, endedBefore: false });
    expect(said).toEqual([{ type: 'waiting', id: 'api', for: ['db'], cause: 'waiting for db to be ready' }]);
    expect(dependencies.causeOf('api')).toBe('waiting for db to be ready');
    dependencies.see('db', { type: 'ready', id: 'db', at: 0, pid: 2, afterMs: 0 }, false);
    expect(dependencies.waitingFor('db')).toEqual([['api', api]]);
    expect(dependencies.enter('api', api)).toEqual({ waits: false, endedBefore: false });
    expect(dependencies.causeOf('api')).toBeUndefined();
  });

  it('tells what waits that a one-shot it waits for completed otherwise, once, and again only to one that comes to wait', () => {
    const { dependencies, said } = gating(['migrate']);
    dependencies.enter('web', { command: 'web', after: ['migrate'] });
    dependencies.endedUnmet('migrate', { how: 'completed', cause: 'exited with code 3' });
    const cause = 'waiting for migrate to complete: migrate exited with code 3';
    expect(said.slice(1)).toEqual([{ type: 'dependency-failed', id: 'web', dependency: 'migrate', how: 'completed', cause }]);
    // Its wait said again is no news of the dependency's end.
    dependencies.enter('web', { command: 'web', after: ['migrate'] });
    expect(said.slice(2)).toEqual([{ type: 'waiting', id: 'web', for: ['migrate'], cause }]);
    dependencies.enter('cron', { command: 'cron', after: ['migrate'] });
    expect(said.slice(3).map((event) => `${event.type}:${event.id}`)).toEqual(['waiting:cron', 'dependency-failed:cron']);
    // Launched anew, what migrate ended as is forgotten: what waits for it is to be looked at again.
    expect(dependencies.enter('migrate', { command: 'migrate', oneshot: true })).toEqual({ waits: false, endedBefore: true });
  });

  it('counts a one-shot done only at a completion with exit code 0, and a daemon ready only until it exits', () => {
    const { dependencies } = gating();
    dependencies.see('task', { type: 'completed', id: 'task', at: 0, code: 1, signal: null }, true);
    expect(dependencies.meets('task')).toBe(false);
    dependencies.see('task', { type: 'completed', id: 'task', at: 0, code: 0, signal: null }, true);
    expect(dependencies.meets('task')).toBe(true);
    dependencies.see('db', { type: 'ready', id: 'db', at: 0, pid: 2, afterMs: 0 }, false);
    expect(dependencies.meets('db')).toBe(true);
    expect(dependencies.leave('db')).toBe(false);
    expect(dependencies.meets('db')).toBe(false);
  });
});
