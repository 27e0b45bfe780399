import { serviceEquals, type Service } from './service.js';

/** What one reconcile does (M1): ids to start, to stop, to replace (stop, then start anew), and how many it leaves alone. */
export interface ReconcilePlan {
  readonly start: readonly string[];
  readonly stop: readonly string[];
  readonly replace: readonly string[];
  readonly unchanged: readonly string[];
}

/**
 * Compares the running set with the desired one, by `serviceEquals` (S6). Pure:
 * it decides, the manager acts.
 */
export const planReconcile = (running: ReadonlyMap<string, Service>, desired: ReadonlyMap<string, Service>): ReconcilePlan => {
  const start: string[] = [];
  const replace: string[] = [];
  const unchanged: string[] = [];
  for (const [id, command] of desired) {
    const current = running.get(id);
    if (current === undefined) start.push(id);
    else if (serviceEquals(current, command)) unchanged.push(id);
    else replace.push(id);
  }
  const stop = [...running.keys()].filter((id) => !desired.has(id));
  return { start, stop, replace, unchanged };
};

/**
 * The first plan after a restore (M4), with the ids whose recorded process
 * the restore is stopping (no manager ran them, so the running set has
 * none of them): one absent from the desired set is stopped; one desired
 * (recorded with another token) is replaced, started anew once that
 * process is gone. Pure, as {@link planReconcile}.
 */
export const withRestoredStops = (plan: ReconcilePlan, stopping: ReadonlySet<string>): ReconcilePlan => {
  if (stopping.size === 0) return plan;
  // Not running, a desired id is among those to start.
  const desired = new Set(plan.start);
  return {
    start: plan.start.filter((id) => !stopping.has(id)),
    stop: [...plan.stop, ...[...stopping].filter((id) => !desired.has(id))],
    replace: [...plan.replace, ...plan.start.filter((id) => stopping.has(id))],
    unchanged: plan.unchanged,
  };
};
