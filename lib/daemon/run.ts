import { concat, defer, Observable, of } from 'rxjs';
import type { DaemonEvent } from '../events.js';
import { subscribeInner } from '../inner-subscriber.js';
import type { SpawnFailure } from '../process/driver.js';
import { life$ } from './life.js';
import { RunEnd } from './run-end.js';
import { spawnedProcess, type Running } from './running.js';
import type { Supervision } from './supervision.js';

/** What a run emits: its events, and last of all its {@link RunEnd}. */
export type RunItem = DaemonEvent | RunEnd;

/**
 * One run of a process this supervisor starts: `spawning`, then `started`,
 * the pid file, and the process followed to its end; or `spawn-failed`
 * (R3: an attempt like any other). Written out by hand, as {@link life$} is:
 * a run lasts as long as its process. Unsubscribed at `spawning`, it spawns
 * nothing; at `started`, it neither writes the pid file nor follows the
 * process.
 */
export const spawnedRun$ = (sup: Supervision, attempt: number): Observable<RunItem> =>
  new Observable<RunItem>((subscriber) => {
    const { driver, scheduler } = sup.options;
    subscriber.next(sup.event('spawning', { attempt }));
    if (subscriber.closed) return;
    // Attached to the subscriber while the spawn is under way, and let go once it is done: it holds nothing worth a daemon's lifetime.
    subscribeInner(subscriber, driver.spawn(sup.spec), {
      next: (handle) => {
        const running = spawnedProcess(handle);
        subscriber.next(sup.event('started', { pid: running.pid, attempt }));
        if (subscriber.closed) return;
        const run = { running, attempt, startedAt: scheduler.now() };
        // S2: the pid file follows every spawn, after `started` so its error can never come first; then the process is followed.
        subscribeInner(subscriber, sup.pidFile.write$(running.pid), {
          complete: () => {
            life$(sup, run).subscribe(subscriber);
          },
        });
      },
      error: (error) => {
        const { code, message } = error as SpawnFailure;
        subscriber.next(sup.event('spawn-failed', { attempt, error: { code, message } }));
        subscriber.next(new RunEnd(attempt, { kind: 'spawn-failed' }, 0, undefined, false));
        subscriber.complete();
      },
    });
  });

/**
 * The first run of a restored daemon: `adopted`, then the process followed
 * to its end. It is attempt 0, so its replacement is spawned as attempt 1,
 * under the usual policy.
 */
export const adoptedRun$ = (sup: Supervision, running: Running): Observable<RunItem> =>
  defer(() => concat(of(sup.event('adopted', { pid: running.pid })), life$(sup, { running, attempt: 0, startedAt: sup.options.scheduler.now() })));
