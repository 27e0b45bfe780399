import { describe, expect, it } from 'vitest';
import { planControl, type ControlFacts } from '../../lib/manager/control-plan.js';
import type { ControlRequest } from '../../lib/manager/events.js';

// M9: what a request for one daemon calls for, from what the manager knows of its id. A table: each row an id in
// one situation, and what start, restart and stop of it call for.

const NOTHING: ControlFacts = { desired: true, live: false, daemon: false, stoppedOnRequest: false, heldForRoom: false };
const plans = (facts: Partial<ControlFacts>) =>
  (['start', 'restart', 'stop'] as const).map((type) => planControl({ type, id: 'web' } satisfies ControlRequest, { ...NOTHING, ...facts }));

describe('planControl: start, restart and stop of one id', () => {
  it.each<[string, Partial<ControlFacts>, ReturnType<typeof plans>]>([
    [
      'under way: start finds it running; restart restarts it; stop stops it',
      { live: true, daemon: true },
      [{ act: 'none', outcome: 'already-running' }, { act: 'restart' }, { act: 'stop', outcome: 'stopped' }],
    ],
    [
      'gave up or completed: start and restart revive it; stop finds it stopped',
      { daemon: true },
      [{ act: 'run-again', outcome: 'started' }, { act: 'run-again', outcome: 'restarted' }, { act: 'stop', outcome: 'already-stopped' }],
    ],
    [
      'stopped on request: start runs it again; restart is refused; stop finds it stopped',
      { stoppedOnRequest: true },
      [{ act: 'run-again', outcome: 'started' }, { act: 'refuse', message: 'it was stopped on request; start it first' }, { act: 'stop', outcome: 'already-stopped' }],
    ],
    [
      'waiting for its `after`: start finds it started; restart is refused, saying what it waits for; stop stops it',
      { waiting: 'waiting for db to be ready' },
      [{ act: 'none', outcome: 'already-running' }, { act: 'refuse', message: 'it has not started yet: waiting for db to be ready' }, { act: 'stop', outcome: 'stopped' }],
    ],
    [
      'held back by a limit: start and restart try it again; stop stops it',
      { heldForRoom: true },
      [{ act: 'run-again', outcome: 'started' }, { act: 'run-again', outcome: 'restarted' }, { act: 'stop', outcome: 'stopped' }],
    ],
    [
      'held by a process it cannot supervise: start and restart are refused, saying why; stop finds it stopped',
      { held: 'a process recorded for it still runs' },
      [{ act: 'refuse', message: 'not started: a process recorded for it still runs' }, { act: 'refuse', message: 'not started: a process recorded for it still runs' }, { act: 'stop', outcome: 'already-stopped' }],
    ],
    [
      'not desired, and no daemon of it: each is refused',
      { desired: false },
      ['start', 'restart', 'stop'].map(() => ({ act: 'refuse' as const, message: 'no service "web" is configured' })),
    ],
  ])('%s', (_, facts, expected) => {
    expect(plans(facts)).toEqual(expected);
  });
});
