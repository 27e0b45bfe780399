import { deepStrictEqual } from 'node:assert/strict';
import type { SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { FakeDriver } from './fake-driver.js';
import type { Script } from './script.js';

/** A scheduler and a {@link FakeDriver} on it, and both as options to spread into `DaemonOptions` or `ManagerOptions`. */
export interface TestKit<S extends SchedulerLike> {
  readonly scheduler: S;
  readonly driver: FakeDriver;
  readonly options: { readonly scheduler: S; readonly driver: FakeDriver };
}

/**
 * A scheduler and a {@link FakeDriver} that runs on it, so a daemon's
 * processes and its timers share one virtual clock; `script` says how the
 * fake processes behave. Without a scheduler, a `TestScheduler` that
 * asserts with node's `deepStrictEqual` and, outside `run()`, flushes until
 * nothing is left; pass your own to assert with your test runner's equality.
 *
 * @example
 * const { scheduler, options } = testKit({ exitAfterMs: 0, exitCode: 1 });
 * scheduler.run(({ expectObservable }) => {
 *   const spawns$ = supervise({ command: 'x' }, options).pipe(filter((e) => e.type === 'spawning'), map((e) => e.attempt), take(4));
 *   expectObservable(spawns$).toBe('(abc) 1995ms (d|)', { a: 1, b: 2, c: 3, d: 4 });
 * });
 */
export function testKit(script?: Script): TestKit<TestScheduler>;
export function testKit<S extends SchedulerLike>(scheduler: S, script?: Script): TestKit<S>;
export function testKit(first?: SchedulerLike | Script, second?: Script): TestKit<SchedulerLike> {
  const [scheduler, script] = isScheduler(first) ? [first, second] : [unbounded(), first];
  const driver = new FakeDriver(script, { scheduler });
  return { scheduler, driver, options: { scheduler, driver } };
}

// No script has a schedule method: a function script is a function, not an object, and the object forms hold data.
const isScheduler = (value: SchedulerLike | Script | undefined): value is SchedulerLike =>
  typeof value === 'object' && typeof (value as Partial<SchedulerLike>).schedule === 'function';

const unbounded = (): TestScheduler => {
  const scheduler = new TestScheduler((actual, expected) => {
    deepStrictEqual(actual, expected);
  });
  // flush() outside run() stops at frame 750 by default; a daemon's timers run to minutes.
  scheduler.maxFrames = Number.POSITIVE_INFINITY;
  return scheduler;
};
