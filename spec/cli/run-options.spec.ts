import { describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/cli/output.js';
import { daemonOptionsOf, type RunFlags } from '../../lib/cli/run-options.js';
import type { RestartPolicy, RestartState } from '../../lib/policy/restart-policy.js';
import { exit, stateOf } from '../helpers/policy.js';

const restartOf = (flags: RunFlags): RestartPolicy => {
  const { restart } = daemonOptionsOf(flags);
  if (restart === undefined) throw new Error('no policy');
  return restart;
};

/** Asks `policy` after failed runs that ended at `ends`, threading its memory as the restart loop does. */
const decide = (policy: RestartPolicy, ends: number[]): string[] => {
  let memory: unknown;
  return ends.map((now, i) => {
    const state: RestartState = { ...stateOf(1), restarts: i, now, ...(memory === undefined ? {} : { memory }) };
    const decision = policy.next(state);
    if (decision.kind === 'spawn') memory = decision.memory;
    return decision.kind;
  });
};

describe('rxdaemon run: the daemon’s options from its flags', () => {
  it('without flags, the library’s defaults', () => {
    expect(daemonOptionsOf({})).toEqual({});
  });

  it('--grace, --stop-signal, --pid-file, --stdout and --stderr', () => {
    expect(daemonOptionsOf({ grace: '250', 'stop-signal': 'SIGTERM', 'pid-file': 'd.pid', stdout: 'out.log', stderr: 'inherit' })).toEqual({
      gracefulStopMs: 250,
      stopSignal: 'SIGTERM',
      pidFile: 'd.pid',
      stdout: { file: 'out.log' },
      stderr: 'inherit',
    });
    expect(daemonOptionsOf({ stdout: 'ignore' }).stdout).toBe('ignore');
  });

  it('--restart: which ends restart; the rest completes', () => {
    expect(restartOf({ restart: 'never' }).next(stateOf(1, { last: exit(1) })).kind).toBe('complete');
    expect(restartOf({ restart: 'on-failure' }).next(stateOf(1, { last: exit(0) })).kind).toBe('complete');
    expect(restartOf({ restart: 'on-failure' }).next(stateOf(1, { last: exit(2) })).kind).toBe('spawn');
    expect(restartOf({ restart: 'always' }).next(stateOf(4, { last: exit(0) }))).toEqual({ kind: 'spawn', delayMs: 2_000 });
  });

  it('--max-restarts N --within MS: the N + 1-th restart within MS gives up, on top of --restart', () => {
    expect(decide(restartOf({ 'max-restarts': '2', within: '10000' }), [0, 1_000, 2_000])).toEqual(['spawn', 'spawn', 'give-up']);
    const onFailure = restartOf({ restart: 'on-failure', 'max-restarts': '1', within: '1000' });
    expect(onFailure.next(stateOf(1, { last: exit(0) })).kind).toBe('complete');
    expect(decide(onFailure, [0, 10])).toEqual(['spawn', 'give-up']);
  });

  it.each<[RunFlags, string]>([
    [{ grace: 'soon' }, "--grace takes an integer number of ms between 0 and 2147483647, got 'soon'"],
    [{ grace: '2147483648' }, "--grace takes an integer number of ms between 0 and 2147483647, got '2147483648'"],
    [{ 'stop-signal': 'TERM' }, "--stop-signal takes a signal name such as 'SIGTERM', got 'TERM'"],
    [{ 'stop-signal': '15' }, "--stop-signal takes a signal name such as 'SIGTERM', got '15'"],
    [{ restart: 'sometimes' }, "--restart takes 'always', 'on-failure' or 'never', got 'sometimes'"],
    [{ 'max-restarts': '5' }, '--max-restarts N needs --within MS: at most N restarts within MS ms'],
    [{ within: '60000' }, '--within MS needs --max-restarts N: at most N restarts within MS ms'],
    [{ 'max-restarts': '0', within: '1000' }, "--max-restarts takes a positive integer, got '0'"],
    [{ 'max-restarts': 'five', within: '1000' }, "--max-restarts takes a positive integer, got 'five'"],
    [{ 'max-restarts': '5', within: '0' }, "--within takes an integer number of ms between 1 and 2147483647, got '0'"],
    [{ stdout: '' }, "--stdout takes a file, 'inherit' or 'ignore', got ''"],
    [{ stderr: '' }, "--stderr takes a file, 'inherit' or 'ignore', got ''"],
    [{ 'pid-file': '' }, "--pid-file takes a file, got ''"],
  ])('%j is a usage error: %s', (flags, message) => {
    expect(() => daemonOptionsOf(flags)).toThrow(new UsageError(message));
  });
});
