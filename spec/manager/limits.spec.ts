import { BehaviorSubject, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage, type DesiredSet } from '../../lib/manager/manage.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

describe('a limit of the OS', () => {
  it('starts what it leaves room for, says once which ids it holds back and why, and tries them at the next reconcile', () => {
    const driver = new FakeDriver({}, { processLimit: 3 });
    const events: ManagerEvent[] = [];
    const desired$ = new BehaviorSubject<DesiredSet>(Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((id) => [id, { command: id }])));
    inVirtualTime(() => {
      manage(desired$, { driver, quietMs: 0, kill$: timer(10_000) }).subscribe((event) => events.push(event));
      // c leaves; its stop is under way when the next reconcile looks, so only d finds room, and only at a third.
      timer(1_000).subscribe(() => { desired$.next(Object.fromEntries(['a', 'b', 'd', 'e'].map((id) => [id, { command: id }]))); });
      timer(2_000).subscribe(() => { desired$.next({ ...desired$.value, f: { command: 'f' } }); });
    });
    const limits = events.filter((event) => event.type === 'limit-reached');
    expect(limits.map(({ at, held, limit, value, inUse }) => ({ at, held, limit, value, inUse }))).toEqual([
      { at: 0, held: ['d', 'e'], limit: 'RLIMIT_NPROC', value: 3, inUse: 0 },
      { at: 1_000, held: ['d', 'e'], limit: 'RLIMIT_NPROC', value: 3, inUse: 3 },
      { at: 2_000, held: ['e', 'f'], limit: 'RLIMIT_NPROC', value: 3, inUse: 2 },
    ]);
    expect(driver.spawns.map((spec) => spec.command)).toEqual(['a', 'b', 'c', 'd']);
    expect(events.filter((event) => event.type === 'spawn-failed')).toEqual([]);
  });

  it('says nothing when there is room', () => {
    const driver = new FakeDriver({}, { processLimit: 5 });
    const events: ManagerEvent[] = [];
    inVirtualTime(() => {
      manage(new BehaviorSubject<DesiredSet>({ a: { command: 'a' } }), { driver, kill$: timer(1_000) }).subscribe((event) => events.push(event));
    });
    expect(events.some((event) => event.type === 'limit-reached')).toBe(false);
  });
});
