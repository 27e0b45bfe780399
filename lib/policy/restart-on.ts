import { checkOneOf } from '../validate.js';
import { giveUp, type LastRun, type RestartPolicy } from './restart-policy.js';

/** R4: which ends of a run are restarted. */
export type RestartWhen = 'always' | 'on-failure' | 'never';

/** The R4 options every built-in policy takes. */
export interface RestartOnOptions {
  /**
   * Default `always`, as in the Consul reference. `on-failure`: a non-zero
   * code, any signal, a failed spawn, or an adopted process whose exit status
   * is unknown.
   */
  readonly restartOn?: RestartWhen;
  /** Exit codes that never restart, whatever `restartOn` says (e.g. 78, "bad configuration"). */
  readonly noRestartCodes?: readonly number[];
}

// A death by signal has code null: it is a failure, never mistaken for exit 0.
const failed = (last: LastRun): boolean =>
  last.kind === 'spawn-failed' || last.adopted || last.signal !== null || last.code !== 0;

const restarts = (last: LastRun, when: RestartWhen, noRestartCodes: readonly number[]): boolean => {
  if (last.kind === 'exited' && last.code !== null && noRestartCodes.includes(last.code)) return false;
  switch (when) {
    case 'always':
      return true;
    case 'on-failure':
      return failed(last);
    case 'never':
      return false;
  }
};

const checkCodes = (codes: unknown): readonly number[] => {
  if (!Array.isArray(codes) || !codes.every((code) => Number.isInteger(code))) {
    throw new TypeError(`Expected the \`noRestartCodes\` option to be an array of integers, got \`${String(codes)}\`.`);
  }
  return codes as readonly number[];
};

/**
 * Wraps a policy so that only the chosen ends of a run are restarted; the
 * wrapped policy still decides the delay of those that are. The first spawn
 * is never affected.
 *
 * @example
 * const policy = restartOn(consulBackoff(), { restartOn: 'on-failure', noRestartCodes: [78] });
 */
export const restartOn = (policy: RestartPolicy, options: RestartOnOptions): RestartPolicy => {
  const when = checkOneOf('restartOn', options.restartOn ?? 'always', ['always', 'on-failure', 'never']);
  const noRestartCodes = checkCodes(options.noRestartCodes ?? []);
  if (when === 'always' && noRestartCodes.length === 0) return policy;
  return {
    healthyAfterMs: policy.healthyAfterMs,
    next: (state) =>
      state.last === undefined || restarts(state.last, when, noRestartCodes) ? policy.next(state) : giveUp('not-restarted'),
  };
};
