import { map, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../lib/command.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

const cmd = (name: string, ...args: string[]): Command => ({ command: name, args });
const A = { a: cmd('a') };
const AB = { a: cmd('a'), b: cmd('b') };
const AB2 = { a: cmd('a'), b: cmd('b', '--v2') };

/** Runs a manager in virtual time over `desired`, and returns what it emitted as `type[:id]@ms`. */
const run = (marbles: string, values: Record<string, DesiredSet>, driver = new FakeDriver(), ends = '') => {
  const seen: ManagerEvent[] = [];
  inVirtualTime(({ cold, hot }) => {
    const desired$ = hot(marbles, values) as Observable<DesiredSet>;
    const kill$ = ends === '' ? undefined : cold(ends);
    manage(desired$, { driver, kill$ }).subscribe((event) => seen.push(event));
  });
  return { seen, driver, line: seen.map((e) => `${e.type}${'id' in e ? `:${e.id}` : ''}@${e.at}`) };
};

describe('manage (M1, M2)', () => {
  it('applies the first set at once, then touches only the ids that changed', () => {
    const { seen, driver } = run('a 999ms b 999ms c', { a: A, b: AB, c: AB2 }, undefined, '5000ms k');
    const reconciles = seen.filter((e) => e.type === 'reconcile');
    expect(reconciles).toEqual([
      { type: 'reconcile', at: 0, started: ['a'], stopped: [], replaced: [], unchanged: 0 },
      { type: 'reconcile', at: 1500, started: ['b'], stopped: [], replaced: [], unchanged: 1 },
      { type: 'reconcile', at: 2500, started: [], stopped: [], replaced: ['b'], unchanged: 1 },
    ]);
    // a was spawned once and signalled only by the final kill.
    const aPid = 1000;
    expect(driver.spawns.filter((spec) => spec.command === 'a')).toHaveLength(1);
    expect(driver.signals.filter((s) => s.pid === aPid).map((s) => `${s.signal}@${s.at}`)).toEqual(['SIGINT@5000']);
    expect(driver.spawns.map((spec) => spec.args.join(' ') || spec.command)).toEqual(['a', 'b', '--v2']);
  });

  it('stops the old process of a changed id before starting the new one', () => {
    const { line } = run('a 99ms b', { a: { a: cmd('a') }, b: { a: cmd('a', '--new') } }, new FakeDriver({ onSigint: { exitAfterMs: 300 } }), '2000ms k');
    expect(line.slice(0, 13)).toEqual([
      'containment@0',
      'reconcile@0',
      'spawning:a@0',
      'started:a@0',
      'ready:a@0',
      'reconcile@600',
      'stopping:a@600',
      'exited:a@900',
      'stopped:a@900',
      'spawning:a@900',
      'started:a@900',
      'ready:a@900',
      'stopping:a@2000',
    ]);
  });

  it('a burst of changes causes one reconcile', () => {
    const sets = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String.fromCharCode(98 + i), { a: cmd('a', String(i)) }]));
    const { seen } = run('x 9ms bcdefghijk', { x: A, ...sets }, undefined, '3000ms k');
    const reconciles = seen.filter((e) => e.type === 'reconcile');
    expect(reconciles).toHaveLength(2);
    // The last change at 19 ms, then 500 ms of quiet.
    expect(reconciles[1]).toMatchObject({ at: 519, replaced: ['a'] });
  });

  it('the 5 s cap holds under a steady stream of changes', () => {
    const values = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [String.fromCharCode(97 + i), { a: cmd('a', String(i)) }]));
    // A change every 300 ms (never 500 ms of quiet) from 0 to 7.5 s.
    const marbles = Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i)).join(' 299ms ');
    const { seen } = run(marbles, values, undefined, '10000ms k');
    const at = seen.filter((e) => e.type === 'reconcile').map((e) => e.at);
    // The first set at once; the next at most 5 s after the first change it has not applied.
    expect(at[0]).toBe(0);
    expect(at[1]).toBe(300 + 5_000);
    expect(at.length).toBe(3);
  });

  it('an invalid id is an error event, and that entry alone is skipped (M6)', () => {
    const { seen, driver } = run('a', { a: { '../etc': cmd('x'), ok: cmd('ok'), '.': cmd('y'), bad: { command: '' } } }, undefined, '100ms k');
    expect(seen.filter((e) => e.type === 'invalid-entry').map((e) => ('id' in e ? e.id : ''))).toEqual(['../etc', '.', 'bad']);
    expect(driver.spawns.map((spec) => spec.command)).toEqual(['ok']);
    expect(driver.spawns[0]?.env).toEqual({ RXDAEMON_ID: 'ok' });
  });

  it('an entry a later set makes invalid (a bad command or option) leaves its running daemon as it was (issue 15, item 2)', () => {
    const { line, seen, driver } = run('a 999ms b', { a: AB, b: { a: { command: '' }, b: { ...cmd('b'), gracefulStopMs: -1 } } }, undefined, '3000ms k');
    expect(line.filter((l) => /^(invalid-entry|stopping|reconcile)/.test(l))).toEqual(['reconcile@0', 'invalid-entry:a@1500', 'invalid-entry:b@1500', 'reconcile@1500', 'stopping:a@3000', 'stopping:b@3000']);
    expect(seen.filter((e) => e.type === 'invalid-entry').every((e) => 'message' in e && e.message.endsWith('; kept as the last set had it'))).toBe(true);
    expect(driver.spawns).toHaveLength(2);
  });

  it('kill stops every daemon and ends with manager-stopped (M5)', () => {
    const { line, driver } = run('a', { a: AB }, undefined, '1000ms k');
    expect(line.at(-1)).toBe('manager-stopped@1000');
    expect([...driver.processes.values()].every((p) => !p.alive)).toBe(true);
  });

  it('close leaves every daemon running and ends with manager-closed (M5)', () => {
    const driver = new FakeDriver();
    const seen: string[] = [];
    inVirtualTime(({ hot, cold }) => {
      manage(hot('a', { a: AB }) as Observable<DesiredSet>, { driver, close$: cold('1000ms c') })
        .pipe(map((e) => e.type))
        .subscribe((type) => seen.push(type));
    });
    expect(seen.at(-1)).toBe('manager-closed');
    expect(seen.filter((t) => t === 'closed')).toHaveLength(2);
    expect(driver.signals).toEqual([]);
    expect([...driver.processes.values()].every((p) => p.alive)).toBe(true);
  });

  it('unsubscribing stops every daemon in the background', () => {
    const driver = new FakeDriver();
    inVirtualTime(({ hot, cold }) => {
      const subscription = manage(hot('a', { a: AB }), { driver }).subscribe();
      cold('500ms u').subscribe(() => {
        subscription.unsubscribe();
      });
    });
    expect(driver.signalLog()).toEqual(['SIGINT 1000@500', 'SIGINT 1001@500']);
    expect([...driver.processes.values()].every((p) => !p.alive)).toBe(true);
  });

  it('tags every daemon event with its id', () => {
    const { seen } = run('a', { a: AB }, undefined, '100ms k');
    const daemonEvents = seen.filter((e) => ['spawning', 'started', 'stopping', 'exited', 'stopped'].includes(e.type));
    expect(daemonEvents.every((e) => 'id' in e && (e.id === 'a' || e.id === 'b'))).toBe(true);
  });
});


describe('manage: a bug is not swallowed', () => {
  it('a daemon’s error (a throwing policy) errors the manager’s stream', () => {
    const broken = { stableAfterMs: 1_000, next: () => { throw new Error('policy bug'); } };
    let failure: unknown;
    inVirtualTime(({ hot }) => {
      manage(hot('a', { a: A }), { driver: new FakeDriver({ exitAfterMs: 10 }), restart: broken }).subscribe({
        error: (error: unknown) => (failure = error),
      });
    });
    expect(failure).toEqual(new Error('policy bug'));
  });
});
