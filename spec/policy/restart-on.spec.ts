import { describe, expect, it } from 'vitest';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { restartOn } from '../../lib/policy/restart-on.js';
import type { LastRun } from '../../lib/policy/restart-policy.js';

const exit = (code: number | null, signal: NodeJS.Signals | null = null): LastRun => ({ kind: 'exited', code, signal, adopted: false });
const ends: [string, LastRun][] = [
  ['exit 0', exit(0)],
  ['exit 1', exit(1)],
  ['exit 78', exit(78)],
  ['SIGKILL', exit(null, 'SIGKILL')],
  ['spawn failure', { kind: 'spawn-failed' }],
  ['adopted, unknown', { kind: 'exited', code: null, signal: null, adopted: true }],
];
const restarted = (policy: ReturnType<typeof consulBackoff>) =>
  Object.fromEntries(ends.map(([name, last]) => [name, policy.next({ attempt: 2, last }).kind === 'spawn']));

describe('R4: which exits restart', () => {
  it('always, by default', () => {
    expect(Object.values(restarted(consulBackoff())).every(Boolean)).toBe(true);
  });

  it('on-failure: a non-zero code, any signal, a failed spawn, an unknown end; never exit 0', () => {
    expect(restarted(consulBackoff({ restartOn: 'on-failure' }))).toEqual({
      'exit 0': false,
      'exit 1': true,
      'exit 78': true,
      SIGKILL: true,
      'spawn failure': true,
      'adopted, unknown': true,
    });
  });

  it('a death by signal is never taken for exit 0, even when 0 is a no-restart code', () => {
    const policy = consulBackoff({ noRestartCodes: [0] });
    expect(policy.next({ attempt: 2, last: exit(null, 'SIGTERM') }).kind).toBe('spawn');
    expect(policy.next({ attempt: 2, last: exit(0) })).toEqual({ kind: 'give-up', reason: 'not-restarted' });
  });

  it('never, and codes that never restart whatever the mode', () => {
    expect(Object.values(restarted(consulBackoff({ restartOn: 'never' }))).some(Boolean)).toBe(false);
    expect(restarted(consulBackoff({ noRestartCodes: [78] }))['exit 78']).toBe(false);
  });

  it('keeps the wrapped policy’s delays for the ends it restarts', () => {
    const policy = restartOn(consulBackoff(), { restartOn: 'on-failure' });
    expect(policy.next({ attempt: 5, last: exit(1) })).toEqual({ kind: 'spawn', delayMs: 4_000 });
  });

  it('noRestart never restarts', () => {
    expect(ends.map(([, last]) => noRestart.next({ attempt: 1, last }).kind)).toEqual(ends.map(() => 'give-up'));
  });
});
