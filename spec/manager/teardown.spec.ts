import { of, Subject, take, tap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../lib/checks/check.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { testScheduler } from '../helpers/virtual-time.js';

const HOUR = 3_600_000;
const FOR_MS = 30_000;

/**
 * A manager of a crash loop (`a`) and a checked daemon that turns unhealthy
 * (`b`), killed at 20 s; with `leaveAt`, its subscriber unsubscribes inside
 * the delivery of the event of that index, as `take` does, and an hour more
 * of virtual time passes.
 */
const play = (leaveAt?: number) => {
  const scheduler = testScheduler();
  scheduler.maxFrames = leaveAt === undefined ? FOR_MS : FOR_MS + HOUR;
  const driver = new FakeDriver({ byId: { a: { exitAfterMs: 0, exitCode: 1 }, b: { readyAfterMs: 300, unhealthyAfterMs: 12_000 } } }, { scheduler });
  let checks = 0;
  const check: Check = (target) => {
    checks += 1;
    return driver.check(target);
  };
  const kill$ = new Subject<void>();
  scheduler.schedule(() => {
    kill$.next();
  }, 20_000);
  const desired = { a: { command: 'a' }, b: { command: 'b', ready: { check }, health: { check, intervalMs: 1_000, failures: 2 } } };
  const seen: ManagerEvent[] = [];
  let left = { spawns: 0, checks: 0 };
  manage(of(desired), { driver, scheduler, kill$ })
    .pipe(
      tap((event) => {
        seen.push(event);
        if (seen.length - 1 === leaveAt) left = { spawns: driver.spawns.length, checks };
      }),
      take(leaveAt === undefined ? Number.POSITIVE_INFINITY : leaveAt + 1),
    )
    .subscribe();
  scheduler.flush();
  const alive = [...driver.processes.values()].filter((fake) => fake.alive).length;
  return { seen, spawned: driver.spawns.length - left.spawns, checked: checks - left.checks, pending: scheduler.actions.length, alive };
};

describe('manage: unsubscribing at every event, then an hour of virtual time', () => {
  it('stops every daemon, then nothing is spawned, checked or left scheduled', () => {
    const { seen } = play();
    expect(seen.map((event) => event.type)).toEqual(expect.arrayContaining(['spawning', 'ready', 'backoff', 'stable', 'unhealthy', 'stopping', 'manager-stopped']));
    const wrong = seen.flatMap((event, index) => {
      const { spawned, checked, pending, alive } = play(index);
      // The spawn that `spawning` announces goes ahead, and is stopped at once.
      const found = [
        ...(spawned > (event.type === 'spawning' ? 1 : 0) ? [`${spawned} spawns`] : []),
        ...(checked > 0 ? [`${checked} checks`] : []),
        ...(pending > 0 ? [`${pending} pending`] : []),
        ...(alive > 0 ? [`${alive} alive`] : []),
      ];
      return found.length === 0 ? [] : [`${event.type}${'id' in event ? `:${event.id}` : ''}#${index}@${event.at}: ${found.join(', ')}`];
    });
    expect(wrong).toEqual([]);
  });
});
