import { catchError, concat, defer, map, mergeMap, of, tap, type Observable } from 'rxjs';
import type { DaemonEvent } from '../events.js';
import type { ChildHandle, SpawnFailure } from '../process/driver.js';
import type { DaemonContext } from './context.js';
import { spawnedProcess } from './running.js';
import { supervising$, untilExit$ } from './watch.js';

type SpawnOutcome = { readonly ok: true; readonly handle: ChildHandle } | { readonly ok: false; readonly failure: SpawnFailure };

const started$ = (ctx: DaemonContext, handle: ChildHandle, attempt: number): Observable<DaemonEvent> => {
  const running = spawnedProcess(handle);
  return concat(
    supervising$(ctx, running, ctx.event('started', { pid: handle.pid, attempt })),
    // S2: the pid file follows every spawn, after `started` so its error can never come first.
    defer(() => {
      ctx.pidFile.write(handle.pid);
      return untilExit$(ctx, running);
    }),
  );
};

const spawnFailed$ = (ctx: DaemonContext, failure: SpawnFailure, attempt: number): Observable<DaemonEvent> =>
  of(ctx.event('spawn-failed', { attempt, error: { code: failure.code, message: failure.message } })).pipe(
    tap(() => {
      // R3: a spawn that failed is an attempt like any other, and backs off the same way.
      ctx.last = { kind: 'spawn-failed' };
    }),
  );

/** One run of a process this supervisor starts: `spawning`, then `started` … `exited`, or `spawn-failed`. */
export const spawnedRun$ = (ctx: DaemonContext): Observable<DaemonEvent> =>
  defer(() => {
    const attempt = ++ctx.attempt;
    const outcome$ = ctx.options.driver.spawn(ctx.spec).pipe(
      map((handle): SpawnOutcome => ({ ok: true, handle })),
      catchError((failure: SpawnFailure) => of<SpawnOutcome>({ ok: false, failure })),
    );
    return concat(
      of(ctx.event('spawning', { attempt })),
      outcome$.pipe(
        mergeMap((outcome) => (outcome.ok ? started$(ctx, outcome.handle, attempt) : spawnFailed$(ctx, outcome.failure, attempt))),
      ),
    );
  });
