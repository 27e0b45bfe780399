import { firstValueFrom, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DaemonEvent } from '../../lib/events.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { exponentialBackoff } from '../../lib/policy/exponential-backoff.js';
import { limitRestarts } from '../../lib/policy/limit-restarts.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { restartOn } from '../../lib/policy/restart-on.js';
import type { RestartState } from '../../lib/policy/restart-policy.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime, testScheduler, timeline } from '../helpers/virtual-time.js';

describe('completed and gave-up', () => {
  it('an end the rule does not restart completes, with how it ended; the pid file is gone first', () => {
    const driver = new FakeDriver({ exitAfterMs: 50, exitCode: 0 });
    const events: DaemonEvent[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver, restart: restartOn(consulBackoff(), { when: 'on-failure' }), pidFile: '/p' }).subscribe((event) => events.push(event));
    });
    expect(events.at(-1)).toEqual({ type: 'completed', at: 50, code: 0, signal: null });
    expect(driver.files.has('/p')).toBe(false);
  });

  // Issue 15, item 8: this used to end with `completed` (code null, signal null), as if a run had ended.
  it('a run that never started cannot complete: after a failed spawn that its rule does not restart, it gives up (spawn-failed), with the error', () => {
    const completesAll = { stableAfterMs: 1, next: () => ({ kind: 'complete' as const }) };
    for (const restart of [noRestart, restartOn(consulBackoff(), { when: 'never' }), completesAll]) {
      const driver = new FakeDriver({ spawnError: 'ENOENT' });
      const events: DaemonEvent[] = [];
      inVirtualTime(() => {
        supervise({ command: 'x' }, { driver, restart }).subscribe((event) => events.push(event));
      });
      const [, failed, last] = events;
      expect(events.map((event) => event.type)).toEqual(['spawning', 'spawn-failed', 'gave-up']);
      expect(failed?.type === 'spawn-failed' ? failed.error.code : undefined).toBe('ENOENT');
      expect(last).toEqual({ type: 'gave-up', at: 0, attempts: 1, reason: 'spawn-failed', error: failed?.type === 'spawn-failed' ? failed.error : undefined });
    }
  });

  it('a failed spawn that its rule restarts is restarted, and a run that started still completes', () => {
    const driver = new FakeDriver((n) => (n === 1 ? { spawnError: 'EACCES' } : { exitAfterMs: 10, exitCode: 0 }));
    const events: DaemonEvent[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver, restart: restartOn(consulBackoff(), { when: 'on-failure' }) }).subscribe((event) => events.push(event));
    });
    expect(events.map((event) => event.type)).toEqual(['spawning', 'spawn-failed', 'spawning', 'started', 'ready', 'exited', 'completed']);
  });

  it('a limit that runs out gives up', () => {
    const seen = timeline(supervise({ command: 'x' }, { driver: new FakeDriver({ exitAfterMs: 0, exitCode: 1 }), restart: exponentialBackoff({ maxAttempts: 2, baseDelayMs: 10 }) }));
    expect(seen).toEqual(['spawning@0', 'started@0', 'ready@0', 'exited@0', 'backoff@0', 'spawning@10', 'started@10', 'ready@10', 'exited@10', 'gave-up@10']);
  });
});

describe('R5: what a policy decides from', () => {
  it('is the attempt, the restarts so far (never reset), how the run ended, its run time and the clock', () => {
    const asked: Omit<RestartState, 'memory'>[] = [];
    const driver = new FakeDriver((n) => (n === 2 ? { exitAfterMs: 12_000, exitCode: 3 } : { exitAfterMs: 100, exitSignal: 'SIGSEGV' }));
    inVirtualTime(() => {
      const recording = {
        stableAfterMs: 10_000,
        next: ({ attempt, restarts, last, runMs, now }: RestartState) => {
          asked.push({ attempt, restarts, last, runMs, now });
          return asked.length < 3 ? { kind: 'spawn' as const, delayMs: 0 } : { kind: 'complete' as const };
        },
      };
      supervise({ command: 'x' }, { driver, restart: recording }).subscribe();
    });
    expect(asked).toEqual([
      { attempt: 2, restarts: 0, last: { kind: 'exited', code: null, signal: 'SIGSEGV', adopted: false }, runMs: 100, now: 100 },
      // The second run was stable: the attempt starts over, the restarts go on.
      { attempt: 1, restarts: 1, last: { kind: 'exited', code: 3, signal: null, adopted: false }, runMs: 12_000, now: 12_100 },
      { attempt: 2, restarts: 2, last: { kind: 'exited', code: null, signal: 'SIGSEGV', adopted: false }, runMs: 100, now: 12_200 },
    ]);
  });
});

describe('DaemonState: the facts of every exit', () => {
  it('counts restarts (never reset), keeps since and the last exit; state$ replays the state after the end', async () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver((n) => (n <= 2 ? { exitAfterMs: 100, exitCode: 2 } : { exitAfterMs: 20_000, exitCode: 0 }), { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler, restart: restartOn(consulBackoff(), { when: 'on-failure' }) });
    const states: string[] = [];
    daemon.state$.subscribe((state) => states.push(`${state.status}:${state.restarts}`));
    daemon.start();
    scheduler.flush();
    expect(daemon.state).toEqual({ status: 'completed', attempt: 0, restarts: 2, lastExit: { code: 0, signal: null, at: 20_200 }, cause: 'exited with code 0' });
    expect(await firstValueFrom(daemon.state$)).toEqual(daemon.state);
    expect(states).toContain('running:1');
    expect(states.at(-1)).toBe('completed:2');
  });

  it('a requested end says why', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({}, { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler });
    daemon.start();
    scheduler.schedule(() => void daemon.stop(), 30);
    scheduler.flush();
    expect(daemon.state.lastExit).toEqual({ code: null, signal: 'SIGINT', at: 30, reason: 'stop' });
  });
});

describe('Daemon.restart()', () => {
  it('stops the process gracefully and spawns at once as attempt 1, whatever the policy would say', async () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({ onSigint: { exitAfterMs: 200 } }, { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler, restart: noRestart });
    const seen: string[] = [];
    daemon.events$.subscribe((event) => seen.push(`${event.type}${'attempt' in event ? `#${event.attempt}` : ''}@${event.at}`));
    daemon.start();
    let restarted: Promise<void> | undefined;
    scheduler.schedule(() => {
      restarted = daemon.restart();
    }, 1_000);
    scheduler.schedule(() => void daemon.stop(), 5_000);
    scheduler.flush();
    await restarted;
    expect(seen.slice(0, 8)).toEqual(['spawning#1@0', 'started#1@0', 'ready@0', 'stopping@1000', 'exited#1@1200', 'spawning#1@1200', 'started#1@1200', 'ready@1200']);
    expect(daemon.state.restarts).toBe(1);
  });

  it('during a backoff, spawns at once', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver((n) => (n <= 4 ? { exitAfterMs: 0, exitCode: 1 } : {}), { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler });
    const spawns: string[] = [];
    daemon.events$.subscribe((event) => event.type === 'spawning' && spawns.push(`#${event.attempt}@${event.at}`));
    daemon.start();
    // Attempt 4 waits 2 s, attempt 5 would wait 4 s: the restart at 3 s cuts that short.
    scheduler.schedule(() => void daemon.restart(), 3_000);
    scheduler.schedule(() => void daemon.stop(), 10_000);
    scheduler.flush();
    expect(spawns).toEqual(['#1@0', '#2@0', '#3@0', '#4@2000', '#1@3000']);
  });

  it('is refused before start and once ended', async () => {
    const daemon = new Daemon({ command: 'x' }, { driver: new FakeDriver(), scheduler: testScheduler() });
    await expect(daemon.restart()).rejects.toThrow('cannot restart a daemon that is not started');
    await daemon.stop();
    await expect(daemon.restart()).rejects.toThrow('cannot restart a daemon that is stopped');
  });

  it.each([
    ['gave up', 1, 'has given up'],
    ['completed', 0, 'has completed'],
  ])('once it %s, says so in words (never "is gave-up")', async (_, exitCode, words) => {
    const scheduler = testScheduler();
    const driver = new FakeDriver(() => ({ exitAfterMs: 0, exitCode }), { scheduler });
    // Exit 0 completes under on-failure; exit 1 gives up under limitRestarts, past 1 restart.
    const restart = exitCode === 0 ? restartOn(consulBackoff(), { when: 'on-failure' }) : limitRestarts(consulBackoff(), { max: 1, withinMs: 60_000 });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler, restart });
    daemon.start();
    scheduler.flush();
    expect(daemon.state.status).toBe(exitCode === 0 ? 'completed' : 'gave-up');
    await expect(daemon.restart()).rejects.toMatchObject({ code: 'ENOTRUNNING', message: `cannot restart a daemon that ${words}` });
  });

  it('rejects, as a promise refuses, with an Error that has a code: ENOTRUNNING when not running, EENDED when it ended first', async () => {
    const scheduler = testScheduler();
    const daemon = new Daemon({ command: 'x' }, { driver: new FakeDriver(), scheduler });
    await expect(daemon.restart()).rejects.toMatchObject({ code: 'ENOTRUNNING', message: 'cannot restart a daemon that is not started' });
    daemon.start();
    scheduler.flush();
    const restarted = daemon.restart();
    const stopped = daemon.stop();
    scheduler.flush();
    await stopped;
    await expect(restarted).rejects.toMatchObject({ code: 'EENDED', message: 'the daemon ended (stopped) before it restarted' });
  });

  it('through supervise(): each restart$ emission', () => {
    const seen = timeline(supervise({ command: 'x' }, { driver: new FakeDriver(), restart$: timer(100), stop$: timer(200) }));
    expect(seen).toEqual(['spawning@0', 'started@0', 'ready@0', 'stopping@100', 'exited@100', 'spawning@100', 'started@100', 'ready@100', 'stopping@200', 'exited@200', 'stopped@200']);
  });
});

describe('a one-shot task (oneshot: true)', () => {
  it('is never ready nor stable, and is not restarted: its end completes it', () => {
    const driver = new FakeDriver({ exitAfterMs: 20_000, exitCode: 0 });
    expect(timeline(supervise({ command: 'migrate' }, { driver, oneshot: true }))).toEqual(['spawning@0', 'started@0', 'exited@20000', 'completed@20000']);
  });

  it('its own rule retries it on failure only: exit 0 completes it', () => {
    const driver = new FakeDriver((n) => ({ exitAfterMs: 100, exitCode: n < 3 ? 1 : 0 }));
    const seen = timeline(supervise({ command: 'migrate' }, { driver, oneshot: true, restart: consulBackoff() }));
    expect(seen.filter((event) => /^(spawning|completed)/.test(event))).toEqual(['spawning@0', 'spawning@100', 'spawning@200', 'completed@300']);
  });

  it('a ready or health check with it is a TypeError: it is never ready', () => {
    const check = () => Promise.resolve();
    expect(() => new Daemon({ command: 'migrate' }, { oneshot: true, ready: { check } })).toThrow(TypeError);
    expect(() => new Daemon({ command: 'migrate' }, { oneshot: true, health: { check } })).toThrow('Expected no `health` option on a one-shot task (`oneshot: true`)');
  });
});
