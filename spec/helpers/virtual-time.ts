import { takeWhile, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type { DaemonEvent } from '../../lib/events.js';

/**
 * A TestScheduler whose assertions are vitest's deep equality. Outside
 * `run()`, `flush()` stops at frame 750 by default; a daemon's timers run
 * to minutes, so this one flushes until nothing is left.
 */
export const testScheduler = (): TestScheduler => {
  const scheduler = new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });
  scheduler.maxFrames = Number.POSITIVE_INFINITY;
  return scheduler;
};

/** Runs `body` in virtual time and flushes it, returning what `body` returned. */
export const inVirtualTime = <T>(body: (helpers: Parameters<Parameters<TestScheduler['run']>[0]>[0]) => T): T =>
  testScheduler().run(body);

/** Collects what a daemon's events$ emits in virtual time, as `type@ms` strings, up to `until` ms: a crash loop never ends by itself. */
export const timeline = (events$: Observable<DaemonEvent>, until = 1_000_000): string[] => {
  const seen: string[] = [];
  inVirtualTime(() => {
    events$.pipe(takeWhile((event) => event.at <= until)).subscribe((event) => seen.push(`${event.type}@${event.at}`));
  });
  return seen;
};
