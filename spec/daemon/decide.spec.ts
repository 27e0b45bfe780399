import { describe, expect, it } from 'vitest';
import { decide, firstCourse, type Course } from '../../lib/daemon/decide.js';
import { RunEnd, type RunOutcome } from '../../lib/daemon/run.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { limitRestarts } from '../../lib/policy/limit-restarts.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { restartOn } from '../../lib/policy/restart-on.js';
import { spawnAfter, type RestartPolicy, type RestartState } from '../../lib/policy/restart-policy.js';

const crashed: RunOutcome = { kind: 'exited', code: 1, signal: null, adopted: false };
const exitedWith = (code: number): RunOutcome => ({ kind: 'exited', code, signal: null, adopted: false });
const spawnFailed: RunOutcome = { kind: 'spawn-failed', error: { code: 'ENOENT', message: 'spawn ./server ENOENT' } };

/** The end of a run of `attempt` that ran `runMs`, ready or not. */
const runEnd = (attempt: number, { outcome = crashed, runMs = 5, ready = true, reason }: { outcome?: RunOutcome; runMs?: number; ready?: boolean; reason?: RunEnd['reason'] } = {}): RunEnd =>
  new RunEnd(attempt, outcome, runMs, reason, ready);

describe('decide: what a run’s end calls for', () => {
  it.each([
    [2, 0],
    [3, 0],
    [4, 2_000],
    [5, 4_000],
    [6, 8_000],
    [7, 16_000],
    [10, 60_000],
    [11, 60_000],
  ])('R1 through consulBackoff: attempt %i spawns after %i ms', (attempt, delayMs) => {
    expect(decide(consulBackoff(), firstCourse, runEnd(attempt - 1), undefined, 0).decision).toEqual({ kind: 'spawn', attempt, delayMs });
  });

  it('R3: a failed spawn is an attempt like any other', () => {
    expect(decide(consulBackoff(), firstCourse, runEnd(3, { outcome: spawnFailed, runMs: 0, ready: false }), undefined, 0)).toEqual({
      decision: { kind: 'spawn', attempt: 4, delayMs: 2_000 },
      course: { runs: 2, memory: undefined },
    });
  });

  it.each([
    ['ready, and ran stableAfterMs', { runMs: 10_000, ready: true }, 1],
    ['ready, but ran less than stableAfterMs', { runMs: 9_999, ready: true }, 6],
    ['ran stableAfterMs, but was never ready', { runMs: 60_000, ready: false }, 6],
  ] as const)('R2: a run %s: the next attempt is %s', (_, run, next) => {
    expect(decide(consulBackoff(), firstCourse, runEnd(5, run), undefined, 0).decision).toMatchObject({ kind: 'spawn', attempt: next });
  });

  it('R5: the policy decides from the attempt, the restarts so far, the run, the clock and its own memory, which the course carries on', () => {
    const seen: RestartState[] = [];
    const remembering: RestartPolicy = {
      stableAfterMs: 10_000,
      next: (state) => {
        seen.push(state);
        return spawnAfter(0, (typeof state.memory === 'number' ? state.memory : 0) + 1);
      },
    };
    let course: Course = firstCourse;
    for (const attempt of [1, 2]) course = decide(remembering, course, runEnd(attempt, { runMs: 7 }), undefined, 1_000 * attempt).course;
    expect(seen).toEqual([
      { attempt: 2, restarts: 0, last: crashed, runMs: 7, now: 1_000, memory: undefined },
      { attempt: 3, restarts: 1, last: crashed, runMs: 7, now: 2_000, memory: 1 },
    ]);
    expect(course).toEqual({ runs: 3, memory: 2 });
  });

  it('gives up as the policy says, with the attempts made and the limit that ran out', () => {
    const policy = limitRestarts(consulBackoff(), { max: 1, withinMs: 60_000 });
    const first = decide(policy, firstCourse, runEnd(1), undefined, 0);
    expect(first.decision).toEqual({ kind: 'spawn', attempt: 2, delayMs: 0 });
    expect(decide(policy, first.course, runEnd(2), undefined, 10).decision).toEqual({
      kind: 'end',
      end: { type: 'gave-up', attempts: 2, reason: 'restarts-exhausted', limit: { max: 1, withinMs: 60_000 } },
    });
  });

  it('completes an end its rule does not restart, with that end’s code and signal', () => {
    const onFailure = restartOn(consulBackoff(), { when: 'on-failure' });
    expect(decide(onFailure, firstCourse, runEnd(1, { outcome: exitedWith(0) }), undefined, 0).decision).toEqual({ kind: 'end', end: { type: 'completed', code: 0, signal: null } });
    expect(decide(onFailure, firstCourse, runEnd(1, { outcome: exitedWith(3) }), undefined, 0).decision).toMatchObject({ kind: 'spawn', attempt: 2 });
  });

  it('gives up (spawn-failed, with its error) on a failed spawn its rule does not restart: a run that never started cannot complete', () => {
    expect(decide(noRestart, firstCourse, runEnd(1, { outcome: spawnFailed, runMs: 0, ready: false }), undefined, 0).decision).toEqual({
      kind: 'end',
      end: { type: 'gave-up', attempts: 1, reason: 'spawn-failed', error: { code: 'ENOENT', message: 'spawn ./server ENOENT' } },
    });
  });

  it('an ending asked for wins over the policy: stopped, or closed', () => {
    expect(decide(consulBackoff(), firstCourse, runEnd(1), 'stop', 0).decision).toEqual({ kind: 'end', end: { type: 'stopped' } });
    expect(decide(consulBackoff(), firstCourse, runEnd(1), 'close', 0).decision).toEqual({ kind: 'end', end: { type: 'closed' } });
  });

  it('a closed run ends the life closed, naming the process left running, whatever else was asked', () => {
    expect(decide(consulBackoff(), firstCourse, runEnd(1, { outcome: { kind: 'closed', pid: 812 } }), 'stop', 0).decision).toEqual({ kind: 'end', end: { type: 'closed', pid: 812 } });
  });

  it('a restart asked for spawns at once, as attempt 1, whatever the policy would say; the policy is not asked and its memory is kept', () => {
    const never: RestartPolicy = {
      stableAfterMs: 10_000,
      next: () => {
        throw new Error('not asked');
      },
    };
    expect(decide(never, { runs: 4, memory: 'kept' }, runEnd(7, { reason: 'restart' }), undefined, 0)).toEqual({
      decision: { kind: 'spawn', attempt: 1, delayMs: 0 },
      course: { runs: 5, memory: 'kept' },
    });
  });
});
