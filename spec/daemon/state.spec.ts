import { describe, expect, it } from 'vitest';
import { initialState, isEnded, nextState, type DaemonStatus } from '../../lib/daemon/state.js';
import { isTerminal, isTerminalType, TERMINAL_TYPES, type DaemonEvent, type TerminalEvent, type TerminalType } from '../../lib/events.js';

/** One event of each terminal type: a type added to TERMINAL_TYPES fails to compile here until it has one. */
const TERMINAL_EVENTS: { readonly [T in TerminalType]: Extract<TerminalEvent, { type: T }> } = {
  stopped: { type: 'stopped', at: 5 },
  closed: { type: 'closed', at: 5, pid: 812 },
  'gave-up': { type: 'gave-up', at: 5, attempts: 3, reason: 'attempts-exhausted' },
  completed: { type: 'completed', at: 5, code: 0, signal: null },
};

/** Every status a daemon's state can have: a status added to DaemonStatus fails to compile here. */
const EVERY_STATUS: Record<DaemonStatus, true> = {
  idle: true,
  spawning: true,
  starting: true,
  running: true,
  waiting: true,
  stopping: true,
  stopped: true,
  closed: true,
  completed: true,
  'gave-up': true,
};

const running = [{ type: 'spawning', at: 0, attempt: 1 }, { type: 'started', at: 0, pid: 812, attempt: 1 }, { type: 'ready', at: 0, pid: 812, afterMs: 0 }] satisfies DaemonEvent[];

describe('the terminal types, written out once (events.ts), for events and statuses alike', () => {
  it('are the four ends of a daemon: stopped, closed, gave-up, completed', () => {
    expect([...TERMINAL_TYPES].sort()).toEqual(['closed', 'completed', 'gave-up', 'stopped']);
  });

  it.each(TERMINAL_TYPES)('a `%s` event is terminal, and leaves the state in the status of its type, which isEnded calls an end', (type) => {
    const event = TERMINAL_EVENTS[type];
    expect(isTerminal(event)).toBe(true);
    const state = [...running, event].reduce(nextState, initialState);
    expect(state.status).toBe(type);
    expect(isEnded(state)).toBe(true);
  });

  it('no other status is an end, and no other event is terminal', () => {
    const others = Object.keys(EVERY_STATUS).filter((status) => !isTerminalType(status));
    expect(others.sort()).toEqual(['idle', 'running', 'spawning', 'starting', 'stopping', 'waiting']);
    for (const status of others) expect(isEnded({ ...initialState, status: status as DaemonStatus })).toBe(false);
    expect(running.map(isTerminal)).toEqual([false, false, false]);
  });
});
