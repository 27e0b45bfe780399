import { exhaustMap, filter, interval, map, scan, type Observable } from 'rxjs';
import type { CheckTarget } from '../checks/check.js';
import { attempt$, type Verdict } from '../checks/run-check.js';
import type { ResolvedOptions } from '../options.js';

/** A failed health attempt, with how many failed in a row; `unhealthy` once that reaches the limit. */
export interface HealthFailure {
  readonly failures: number;
  readonly error: { readonly code: string; readonly message: string };
  readonly unhealthy: boolean;
}

/**
 * The health of a ready process: one attempt every `intervalMs` (a tick
 * that finds the previous attempt still running is skipped), each cut at
 * `timeoutMs`; emits every failure with the count of failures in a row (a
 * pass resets it), the one that reaches `failures` marked unhealthy. Runs
 * until unsubscribed.
 */
export const health$ = (health: NonNullable<ResolvedOptions['health']>, target: CheckTarget): Observable<HealthFailure> => {
  const { check, intervalMs, timeoutMs, failures } = health;
  return interval(intervalMs, target.scheduler).pipe(
    exhaustMap(() => attempt$(check, target, timeoutMs)),
    scan((inARow: { count: number; verdict: Verdict }, verdict) => ({ count: verdict.ok ? 0 : inARow.count + 1, verdict }), { count: 0, verdict: { ok: true } }),
    filter((inARow): inARow is { count: number; verdict: Extract<Verdict, { ok: false }> } => !inARow.verdict.ok),
    map(({ count, verdict }) => ({ failures: count, error: verdict.error, unhealthy: count >= failures })),
  );
};
