import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import type { DaemonState } from '../../lib/daemon/state.js';
import type { DaemonOptions } from '../../lib/options.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { exponentialBackoff } from '../../lib/policy/exponential-backoff.js';
import { limitRestarts } from '../../lib/policy/limit-restarts.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import type { Script } from '../../lib/testing/script.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { testScheduler } from '../helpers/virtual-time.js';

// DESIGN: `cause` says, in words, why any state other than `running` is
// what it is. Each spec reads a Daemon's state$ in virtual time as
// `status: cause` lines, one per state.

const line = ({ status, cause }: DaemonState): string => `${status}: ${cause ?? '-'}`;

/** The states of a daemon on a FakeDriver scripted by `script`, as lines, until `untilMs` (when `act` may stop or restart it). */
const statesOf = (script: Script, options: DaemonOptions = {}, act?: (daemon: Daemon, at: (ms: number, what: () => void) => void) => void): string[] => {
  const scheduler = testScheduler();
  const driver = new FakeDriver(script, { scheduler });
  const daemon = new Daemon({ command: 'x' }, { driver, scheduler, ...options });
  const lines: string[] = [];
  daemon.state$.pipe(map(line)).subscribe((next) => lines.at(-1) !== next && lines.push(next));
  daemon.start();
  act?.(daemon, (ms, what) => scheduler.schedule(what, ms));
  scheduler.flush();
  return lines;
};

describe('DaemonState.cause: why a state other than running is what it is', () => {
  it('before its start; while it spawns, and until it is ready; none while it runs', () => {
    expect(new Daemon({ command: 'x' }).state).toMatchObject({ status: 'idle', cause: 'not started yet' });
    const scheduler = testScheduler();
    const driver = new FakeDriver({ readyAfterMs: 300 }, { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler, ready: { check: driver.check } });
    const lines: string[] = [];
    daemon.state$.pipe(map(line)).subscribe((next) => lines.push(next));
    daemon.start();
    scheduler.flush();
    expect(lines.slice(0, 4)).toEqual(['idle: not started yet', 'spawning: spawning (attempt 1)', 'starting: not ready yet', 'running: -']);
  });

  it('a crash: how it ended, with the last line of its crash report, through the backoff', () => {
    const lines = statesOf({ exitAfterMs: 100, exitCode: 3 }, { restart: exponentialBackoff({ baseDelayMs: 1_000, maxAttempts: 2 }) });
    expect(lines).toContain('waiting: exited with code 3');
    expect(lines.at(-1)).toBe('gave-up: gave up after 2 attempts; last: exited with code 3');
  });

  it('killed by a signal; a failed spawn', () => {
    expect(statesOf({ exitAfterMs: 100, exitSignal: 'SIGSEGV' }, { restart: exponentialBackoff({ maxAttempts: 1 }) })).toContain('waiting: killed by SIGSEGV');
    expect(statesOf({ spawnError: 'ENOENT' }, { restart: exponentialBackoff({ maxAttempts: 1 }) })).toContain('waiting: spawn failed: spawn x ENOENT');
  });

  it('gave up after N restarts in a time, as limitRestarts says it', () => {
    const lines = statesOf({ exitAfterMs: 100, exitCode: 1 }, { restart: limitRestarts(consulBackoff(), { max: 5, withinMs: 60_000 }) });
    expect(lines.at(-1)).toBe('gave-up: gave up after 5 restarts in 60 s; last: exited with code 1');
    expect(statesOf({ exitAfterMs: 100, exitCode: 1 }, { restart: limitRestarts(consulBackoff(), { max: 1, withinMs: 1_500 }) }).at(-1)).toBe('gave-up: gave up after 1 restart in 1.5 s; last: exited with code 1');
  });

  it('completed: how its last run ended', () => {
    expect(statesOf({ exitAfterMs: 100 }, { restart: noRestart }).at(-1)).toBe('completed: exited with code 0');
  });

  it('not ready in time, and unhealthy with the last failure, through the stop that follows', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver((spawn) => (spawn === 1 ? { readyAfterMs: 120_000 } : { unhealthyAfterMs: 1_000 }), { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler, ready: { check: driver.check, timeoutMs: 5_000 }, health: { check: driver.check, intervalMs: 1_000, failures: 2 }, restart: exponentialBackoff({ maxAttempts: 3 }) });
    const lines: string[] = [];
    daemon.state$.pipe(map(line)).subscribe((next) => lines.at(-1) !== next && lines.push(next));
    daemon.start();
    scheduler.flush();
    expect(lines).toContain('stopping: not ready after 5000 ms: not ready yet (ready at 120000 ms)');
    expect(lines).toContain('stopping: unhealthy: 2 health checks failed in a row: unhealthy since 7000 ms');
    expect(lines.at(-1)).toBe('gave-up: gave up after 3 attempts; last: unhealthy: 2 health checks failed in a row: unhealthy since 11000 ms');
  });

  it('a stop and a restart asked for: on request', () => {
    const lines = statesOf({ onSigint: { exitAfterMs: 500 } }, {}, (daemon, at) => {
      at(1_000, () => void daemon.restart());
      at(20_000, () => void daemon.stop());
    });
    expect(lines).toEqual([
      'idle: not started yet',
      'spawning: spawning (attempt 1)',
      'starting: not ready yet',
      'running: -',
      'stopping: restarting on request',
      'spawning: spawning (attempt 1)',
      'starting: not ready yet',
      'running: -',
      'stopping: stopping on request',
      'stopped: stopped on request',
    ]);
  });

  it('a closed daemon: on request', () => {
    const lines = statesOf({}, {}, (daemon, at) => {
      at(1_000, () => {
        daemon.close();
      });
    });
    expect(lines.at(-1)).toBe('closed: closed on request');
  });
});
