import { describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { DaemonStates } from '../../lib/manager/fold-states.js';

const PID = 1_000;
const reconcile = ({ started = [], stopped = [] }: { started?: string[]; stopped?: string[] }): ManagerEvent => ({ type: 'reconcile', at: 0, started, stopped, replaced: [], unchanged: 0 });
/** A daemon of `id` spawned and ready. */
const runs = (id: string): ManagerEvent[] => [
  { type: 'spawning', at: 0, id, attempt: 1 },
  { type: 'started', at: 0, id, pid: PID, attempt: 1 },
  { type: 'ready', at: 0, id, pid: PID, afterMs: 0 },
];
/** A daemon of `id` stopped gracefully. */
const stops = (id: string): ManagerEvent[] => [
  { type: 'stopping', at: 0, id, pid: PID, signal: 'SIGINT', reason: 'stop' },
  { type: 'exited', at: 0, id, pid: PID, code: null, signal: 'SIGINT', adopted: false, attempt: 1, runMs: 0, requested: true, reason: 'stop', tail: [] },
  { type: 'stopped', at: 0, id },
];
const folded = (...events: ManagerEvent[]): DaemonStates => {
  const states = new DaemonStates();
  for (const event of events) states.see(event);
  return states;
};
const statuses = (states: DaemonStates): Record<string, string> => Object.fromEntries([...states.copy()].map(([id, state]) => [id, state.status]));

describe('DaemonStates: a daemon no longer desired leaves the map', () => {
  it('at its terminal event when it still runs', () => {
    const states = folded(...runs('a'), reconcile({ stopped: ['a'] }), stops('a')[0] as ManagerEvent);
    expect(statuses(states)).toEqual({ a: 'stopping' });
    for (const event of stops('a').slice(1)) states.see(event);
    expect(statuses(states)).toEqual({});
  });

  it('at once when it has ended already, and the reconcile says the map changed', () => {
    const states = folded(...runs('a'), { type: 'completed', at: 0, id: 'a', code: 0, signal: null });
    expect(states.see(reconcile({ stopped: ['a'] }))).toBe(true);
    expect(statuses(states)).toEqual({});
  });

  it('an ended daemon that leaves, re-added and stopped on request, shows stopped: no mark is left to remove it', () => {
    const states = folded(...runs('a'), { type: 'gave-up', at: 0, id: 'a', attempts: 3, reason: 'attempts-exhausted' }, reconcile({ stopped: ['a'] }), reconcile({ started: ['a'] }), ...runs('a'), ...stops('a'));
    expect(statuses(states)).toEqual({ a: 'stopped' });
  });

  it('re-added while its old daemon stops, it never leaves: the old daemon ends, the new one follows', () => {
    const states = folded(...runs('a'), reconcile({ stopped: ['a'] }), reconcile({ started: ['a'] }), { type: 'waiting', at: 0, id: 'a', for: ['db'], cause: 'waiting for db to be ready' }, ...stops('a'));
    expect(statuses(states)).toEqual({ a: 'stopped' });
    for (const event of runs('a')) states.see(event);
    expect(statuses(states)).toEqual({ a: 'running' });
  });
});
