import { filter, map, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { supervise } from '../../lib/daemon/supervise.js';
import { testKit } from '../../lib/testing/test-kit.js';

// docs/testing.md, "Ending a marble test": what a user's marble test sees
// when its stream ends by unsubscribing, and when the daemon ends it.

describe('ending a marble test', () => {
  it('take(n) unsubscribes, which stops the daemon: the signal log shows that stop, to that process', () => {
    const { scheduler, driver, options } = testKit();
    scheduler.run(({ expectObservable }) => {
      const started$ = supervise({ command: 'x' }, options).pipe(filter((e) => e.type === 'started'), map((e) => e.pid), take(1));
      expectObservable(started$).toBe('(p|)', { p: 1000 });
    });
    // Not a signal the test asked for: the graceful stop that the unsubscription started, at 0 ms.
    expect(driver.signalLog()).toEqual(['SIGINT 1000@0']);
  });

  it('a stop$ of the test ends the stream with stopped, which it completes on: one signal, when the test said so', () => {
    const { scheduler, driver, options } = testKit();
    scheduler.run(({ expectObservable, cold }) => {
      const events$ = supervise({ command: 'x' }, { ...options, stop$: cold('1s x') }).pipe(map((e) => e.type));
      expectObservable(events$).toBe('(gsr) 995ms (ted|)', { g: 'spawning', s: 'started', r: 'ready', t: 'stopping', e: 'exited', d: 'stopped' });
    });
    expect(driver.signalLog()).toEqual(['SIGINT 1000@1000']);
  });

  it('names the process each signal went to: two daemons stopped together are two pids, not one signal twice', () => {
    const { scheduler, driver, options } = testKit();
    scheduler.run(({ cold }) => {
      const stop$ = cold('500ms x');
      supervise({ command: 'a' }, { ...options, stop$ }).subscribe();
      supervise({ command: 'b' }, { ...options, stop$ }).subscribe();
    });
    expect(driver.signalLog()).toEqual(['SIGINT 1000@500', 'SIGINT 1001@500']);
  });
});
