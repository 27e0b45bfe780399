import { giveUp, spawnAfter, type RestartPolicy } from './restart-policy.js';

/**
 * Runs the command once and never restarts it: the daemon ends with
 * `gave-up` (reason `not-restarted`) when the process exits.
 */
export const noRestart: RestartPolicy = {
  // `healthy` still tells a user the single run lasted; there is no counter to reset.
  healthyAfterMs: 10_000,
  next: ({ last }) => (last === undefined ? spawnAfter(0) : giveUp('not-restarted')),
};
