import { describe, expect, it } from 'vitest';
import type { Service } from '../../lib/manager/service.js';
import { wantedOf, type WantedInput } from '../../lib/manager/wanted.js';

const web: Service = { command: 'web' };
const api: Service = { command: 'api' };
const task: Service = { command: 'migrate', oneshot: true };

const input = (over: Partial<WantedInput>): WantedInput => ({
  valid: new Map(),
  rejected: [],
  last: new Map(),
  running: new Map(),
  held: new Map(),
  stoppedOnRequest: new Set(),
  stoppingAtRestore: new Set(),
  completedBefore: () => false,
  ...over,
});

describe('wantedOf: what a reconcile starts, stops and keeps (pure)', () => {
  it('keeps what the last set said for a rejected id, and says so; a new rejected id is only said', () => {
    const wanted = wantedOf(input({ valid: new Map([['web', web]]), rejected: [{ id: 'api', message: 'bad' }, { id: 'new', message: 'worse' }], last: new Map([['api', api]]), running: new Map([['api', api]]) }));
    expect(wanted.wanted).toEqual(new Map([['web', web], ['api', api]]));
    expect(wanted.invalid).toEqual([
      { type: 'invalid-entry', id: 'api', message: 'bad; kept as the last set had it' },
      { type: 'invalid-entry', id: 'new', message: 'worse' },
    ]);
    expect(wanted.plan).toEqual({ start: ['web'], stop: [], replace: [], unchanged: ['api'] });
  });

  it('never starts a held id, saying why, nor one stopped on request; one stopped on request that left the set is forgotten', () => {
    const wanted = wantedOf(input({ valid: new Map([['web', web], ['api', api]]), held: new Map([['web', 'it runs on']]), stoppedOnRequest: new Set(['api', 'gone']) }));
    expect(wanted.invalid).toEqual([{ type: 'invalid-entry', id: 'web', message: 'not started: it runs on' }]);
    expect(wanted.forgotten).toEqual(['gone']);
    expect([...wanted.desired.keys()]).toEqual([]);
    expect(wanted.toStart).toEqual([]);
  });

  it('keeps a one-shot an earlier manager saw complete as done, and starts the rest', () => {
    const wanted = wantedOf(input({ valid: new Map([['task', task], ['web', web]]), completedBefore: (id) => id === 'task' }));
    expect(wanted.done).toEqual(['task']);
    expect(wanted.toStart).toEqual(['web']);
  });

  it('after a restore, a desired id whose recorded process is stopping is replaced, an absent one stopped', () => {
    const wanted = wantedOf(input({ valid: new Map([['web', web]]), stoppingAtRestore: new Set(['web', 'old']) }));
    expect(wanted.plan).toEqual({ start: [], stop: ['old'], replace: ['web'], unchanged: [] });
  });
});
