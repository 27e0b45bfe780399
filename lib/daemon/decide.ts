import type { RestartPolicy } from '../policy/restart-policy.js';
import { endAsked, type LifeEnd } from './end.js';
import type { Ending } from './requests.js';
import type { RunEnd } from './run.js';

/**
 * What the restart loop carries from one run to the next, besides the
 * run's own end: R5's count of runs, and what the policy kept with its
 * last decision.
 */
export interface Course {
  /** Runs so far, adopted or spawned, the one that just ended included. */
  readonly runs: number;
  readonly memory: unknown;
}

/** The course at the first run's end. */
export const firstCourse: Course = { runs: 1, memory: undefined };

/** What follows a run: the next spawn, at once or after a backoff, or the end of the daemon's life. */
export type Decision = { readonly kind: 'spawn'; readonly attempt: number; readonly delayMs: number } | { readonly kind: 'end'; readonly end: LifeEnd };

/** A decision, and the course the loop carries on with. */
export interface Decided {
  readonly decision: Decision;
  readonly course: Course;
}

const ended = (end: LifeEnd, course: Course): Decided => ({ decision: { kind: 'end', end }, course });

/**
 * What a run's end calls for; pure. A closed run ends the life `closed`; an
 * ending asked for (`asked`) wins over whatever the policy would do next; a
 * restart asked for spawns at once, as attempt 1. Otherwise the policy
 * decides (R4, R5) from the attempt, which a stable run resets (R2: it was
 * ready and ran `stableAfterMs`), the restarts so far, how the run ended,
 * and the policy's own memory: the next spawn, or the end (`gave-up`,
 * `completed`).
 *
 * @example
 * decide(consulBackoff(), firstCourse, new RunEnd(3, { kind: 'spawn-failed', error: { code: 'ENOENT', message: 'spawn ./server ENOENT' } }, 0, undefined, false), undefined, 0);
 * // { decision: { kind: 'spawn', attempt: 4, delayMs: 2000 }, course: { runs: 2, memory: undefined } }
 */
export const decide = (policy: RestartPolicy, course: Course, end: RunEnd, asked: Ending | undefined, now: number): Decided => {
  const { outcome, runMs } = end;
  if (outcome.kind === 'closed') return ended({ type: 'closed', pid: outcome.pid }, course);
  if (asked !== undefined) return ended(endAsked(asked), course);
  if (end.reason === 'restart') return { decision: { kind: 'spawn', attempt: 1, delayMs: 0 }, course: { ...course, runs: course.runs + 1 } };
  const attempt = end.ready && runMs >= policy.stableAfterMs ? 0 : end.attempt;
  const next = policy.next({ attempt: attempt + 1, restarts: course.runs - 1, last: outcome, runMs, now, memory: course.memory });
  switch (next.kind) {
    case 'give-up':
      return ended({ type: 'gave-up', attempts: attempt, reason: next.reason, ...(next.limit === undefined ? {} : { limit: next.limit }) }, course);
    case 'complete':
      // A run that never started cannot complete: what its rule leaves it at is a failure to start.
      if (outcome.kind === 'spawn-failed') return ended({ type: 'gave-up', attempts: attempt, reason: 'spawn-failed', error: outcome.error }, course);
      return ended({ type: 'completed', code: outcome.code, signal: outcome.signal }, course);
    case 'spawn':
      return { decision: { kind: 'spawn', attempt: attempt + 1, delayMs: next.delayMs }, course: { runs: course.runs + 1, memory: next.memory } };
  }
};
