import { concat, defer, Observable, of } from 'rxjs';
import type { DaemonEvent } from '../events.js';
import { subscribeInner } from '../inner-subscriber.js';
import type { OutputOffsets, OutputStart, SpawnFailure } from '../process/processes.js';
import type { Adoptee } from '../snapshot/adoptee.js';
import { life$ } from './life.js';
import { RunEnd } from './run-end.js';
import { adoptedProcess, spawnedProcess } from './running.js';
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
    subscribeInner(subscriber, driver.processes.spawn(sup.spec), {
      next: (handle) => {
        const running = spawnedProcess(handle);
        const outputStart = offsetsOf(running.outputStart);
        subscriber.next(sup.event('started', { pid: running.pid, attempt, ...(outputStart === undefined ? {} : { outputStart }) }));
        if (subscriber.closed) return;
        const now = scheduler.now();
        const run = { running, attempt, startedAt: now, followedAt: now };
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
        subscriber.next(new RunEnd(attempt, { kind: 'spawn-failed', error: { code, message } }, 0, undefined, false));
        subscriber.complete();
      },
    });
  });

/** The byte offsets of an output start, which a record keeps (rotation counts are this supervisor's own). */
const offsetsOf = (start: OutputStart | undefined): OutputOffsets | undefined => {
  if (start?.stdout === undefined && start?.stderr === undefined) return undefined;
  return { ...(start.stdout === undefined ? {} : { stdout: start.stdout }), ...(start.stderr === undefined ? {} : { stderr: start.stderr }) };
};

/**
 * The first run of a restored daemon: `adopted`, then the process followed
 * to its end. Its attempt carries on from its record (0 when unknown: its
 * replacement is then attempt 1), and it started when the process did, by
 * the start time /proc gives (its adoption where the OS does not tell), so
 * its `runMs`, its `since` and R2's stable time count from there.
 */
export const adoptedRun$ = (sup: Supervision, adoptee: Adoptee): Observable<RunItem> =>
  defer(() => {
    const { driver, scheduler } = sup.options;
    const running = adoptedProcess(adoptee, sup.options);
    const attempt = adoptee.attempt ?? 0;
    const followedAt = scheduler.now();
    const startedAt = driver.system.startedAt(adoptee, followedAt) ?? followedAt;
    return concat(of(sup.event('adopted', { pid: running.pid, attempt, startedAt })), life$(sup, { running, attempt, startedAt, followedAt }));
  });
