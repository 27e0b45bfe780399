import { catchError, concat, defer, map, mergeMap, of, type Observable } from 'rxjs';
import type { DaemonEvent } from '../events.js';
import type { ChildHandle, SpawnFailure } from '../process/driver.js';
import { life$ } from './life.js';
import { RunEnd } from './run-end.js';
import { spawnedProcess, type Running } from './running.js';
import type { Supervision } from './supervision.js';

/** What a run emits: its events, and last of all its {@link RunEnd}. */
export type RunItem = DaemonEvent | RunEnd;

type SpawnOutcome = { readonly ok: true; readonly handle: ChildHandle } | { readonly ok: false; readonly failure: SpawnFailure };

/**
 * One run of a process this supervisor starts: `spawning`, then `started`,
 * the pid file, and the process followed to its end; or `spawn-failed`
 * (R3: an attempt like any other).
 */
export const spawnedRun$ = (sup: Supervision, attempt: number): Observable<RunItem> =>
  concat(
    of(sup.event('spawning', { attempt })),
    sup.options.driver.spawn(sup.spec).pipe(
      map((handle): SpawnOutcome => ({ ok: true, handle })),
      catchError((failure: SpawnFailure) => of<SpawnOutcome>({ ok: false, failure })),
      mergeMap((outcome) => {
        if (!outcome.ok) {
          const { code, message } = outcome.failure;
          return of(sup.event('spawn-failed', { attempt, error: { code, message } }), new RunEnd(attempt, { kind: 'spawn-failed' }, 0));
        }
        const running = spawnedProcess(outcome.handle);
        const run = { running, attempt, startedAt: sup.options.scheduler.now() };
        // S2: the pid file follows every spawn, after `started` so its error can never come first.
        return concat(of(sup.event('started', { pid: running.pid, attempt })), sup.pidFile.write$(running.pid), life$(sup, run));
      }),
    ),
  );

/**
 * The first run of a restored daemon: `adopted`, then the process followed
 * to its end. It is attempt 0, so its replacement is spawned as attempt 1,
 * under the usual policy.
 */
export const adoptedRun$ = (sup: Supervision, running: Running): Observable<RunItem> =>
  defer(() => concat(of(sup.event('adopted', { pid: running.pid })), life$(sup, { running, attempt: 0, startedAt: sup.options.scheduler.now() })));
