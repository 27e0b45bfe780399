import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import type { LastRun, RestartPolicy, RestartState } from '../../lib/policy/restart-policy.js';

/** A run that ended with `code` (or `signal`). */
export const exit = (code: number | null, signal: NodeJS.Signals | null = null): LastRun => ({ kind: 'exited', code, signal, adopted: false });

/** What a policy is asked after a run: the attempt about to be made, the rest ordinary unless given. */
export const stateOf = (attempt: number, more: Partial<RestartState> = {}): RestartState => ({
  attempt,
  restarts: attempt - 1,
  last: exit(1),
  runMs: 5,
  now: 0,
  ...more,
});

/** Asks `policy` after failed runs that ended at `ends` (the clock), threading its memory as the restart loop does: each decision's kind. */
export const decide = (policy: RestartPolicy, ends: number[]): string[] => {
  let memory: unknown;
  return ends.map((now, i) => {
    const state: RestartState = { ...stateOf(1), restarts: i, now, ...(memory === undefined ? {} : { memory }) };
    const decision = policy.next(state);
    if (decision.kind === 'spawn') memory = decision.memory;
    return decision.kind;
  });
};

/** Consul backoff that never gives up: a real process is restarted as often as a spec crashes it. */
export const fastRestarts = consulBackoff({ freeAttempts: 1_000_000 });
