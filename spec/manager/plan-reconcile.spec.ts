import { describe, expect, it } from 'vitest';
import type { Command } from '../../lib/command.js';
import { planReconcile } from '../../lib/manager/plan-reconcile.js';

const set = (entries: Record<string, Command>) => new Map(Object.entries(entries));

describe('planReconcile (M1)', () => {
  it('starts new ids, stops removed ones, replaces changed ones, leaves equal ones alone', () => {
    const running = set({ keep: { command: 'a' }, gone: { command: 'b' }, changed: { command: 'c', args: ['1'] } });
    const desired = set({ keep: { command: 'a', args: [] }, changed: { command: 'c', args: ['2'] }, fresh: { command: 'd' } });
    expect(planReconcile(running, desired)).toEqual({ start: ['fresh'], stop: ['gone'], replace: ['changed'], unchanged: ['keep'] });
  });

  it('a token or env change is a change', () => {
    const running = set({ a: { command: 'x', token: 't1' }, b: { command: 'x', env: { A: '1' } } });
    const desired = set({ a: { command: 'x', token: 't2' }, b: { command: 'x', env: { A: '1', B: '2' } } });
    expect(planReconcile(running, desired).replace).toEqual(['a', 'b']);
  });

  it('nothing to do for the same set', () => {
    const same = set({ a: { command: 'x' } });
    expect(planReconcile(same, same)).toEqual({ start: [], stop: [], replace: [], unchanged: ['a'] });
  });
});
