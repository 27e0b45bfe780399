import { checkOneOf } from '../validate.js';
import { complete, type LastRun, type RestartPolicy } from './restart-policy.js';

/** R4: which ends of a run are restarted. */
export type RestartWhen = 'always' | 'on-failure' | 'never';

/** Options of {@link restartOn}. */
export interface RestartOnOptions {
  /**
   * `always` (as in the Consul reference); `on-failure`: a non-zero code,
   * any signal, a failed spawn, a run stopped as `not-ready` or `unhealthy`,
   * or an adopted process whose exit status is unknown; `never`.
   */
  readonly when: RestartWhen;
  /** Exit codes that never restart, whatever `when` says (e.g. 78, "bad configuration"). */
  readonly noRestartCodes?: readonly number[];
}

// A death by signal has code null: it is a failure, never mistaken for exit 0. A run stopped for failing its checks failed too.
const failed = (last: LastRun): boolean =>
  last.kind === 'spawn-failed' || last.adopted || last.reason !== undefined || last.signal !== null || last.code !== 0;

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
 * R4 as a combinator: only the chosen ends of a run are restarted, and the
 * wrapped policy decides the delay of those that are; any other end is
 * `completed`.
 *
 * @example
 * const policy = restartOn(consulBackoff(), { when: 'on-failure', noRestartCodes: [78] });
 */
export const restartOn = (policy: RestartPolicy, options: RestartOnOptions): RestartPolicy => {
  const when = checkOneOf('when', options.when, ['always', 'on-failure', 'never']);
  const noRestartCodes = checkCodes(options.noRestartCodes ?? []);
  if (when === 'always' && noRestartCodes.length === 0) return policy;
  return {
    stableAfterMs: policy.stableAfterMs,
    next: (state) => (restarts(state.last, when, noRestartCodes) ? policy.next(state) : complete),
  };
};
