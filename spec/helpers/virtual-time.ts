import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';

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
