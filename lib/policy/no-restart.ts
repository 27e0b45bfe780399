import { complete, type RestartPolicy } from './restart-policy.js';

/**
 * Runs the command once and never restarts it: the daemon ends with
 * `completed` when the process exits.
 *
 * @example
 * supervise({ command: 'migrate' }, { restart: noRestart });
 */
export const noRestart: RestartPolicy = {
  // `stable` still tells a user the single run lasted; there is no counter to reset.
  stableAfterMs: 10_000,
  next: () => complete,
};
