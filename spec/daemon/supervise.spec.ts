import { filter, map, NEVER, of, take, takeWhile, timer, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { DaemonEvent, DaemonEventType } from '../../lib/events.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { restartOn } from '../../lib/policy/restart-on.js';
import { exponentialBackoff } from '../../lib/policy/exponential-backoff.js';
import { supervise } from '../../lib/daemon/supervise.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime, timeline } from '../helpers/virtual-time.js';

const crashAtOnce = () => new FakeDriver({ exitAfterMs: 0, exitCode: 1 });
const ofType =
  <T extends DaemonEventType>(type: T) =>
  (events$: Observable<DaemonEvent>) =>
    events$.pipe(filter((event): event is Extract<DaemonEvent, { type: T }> => event.type === type));

describe('supervise: restarts (R1–R3)', () => {
  it('R1: spawns a process that dies at once at 0, 0, 0, 2, 4 s …', () => {
    inVirtualTime(({ expectObservable }) => {
      const spawns$ = supervise({ command: 'x' }, { driver: crashAtOnce() }).pipe(
        ofType('spawning'),
        map((event) => event.attempt),
        take(5),
      );
      // '(abc)' takes 5 frames, so 1995 ms later is 2000; (d) takes 3, so 3997 ms later is 6000.
      expectObservable(spawns$).toBe('(abc) 1995ms d 3999ms (e|)', { a: 1, b: 2, c: 3, d: 4, e: 5 });
    });
  });

  it('R1: the exact sequence 0, 0, 0, 2, 4, 8, 16, 32, 60, 60 s', () => {
    const spawnTimes: number[] = [];
    const delays: number[] = [];
    inVirtualTime(() => {
      const events$ = supervise({ command: 'x' }, { driver: crashAtOnce() });
      events$.pipe(ofType('spawning'), take(10)).subscribe((event) => spawnTimes.push(event.at / 1000));
      events$.pipe(ofType('backoff'), take(7)).subscribe((event) => delays.push(event.delayMs / 1000));
    });
    const waits = spawnTimes.map((t, i) => t - (spawnTimes[i - 1] ?? 0));
    expect(waits).toEqual([0, 0, 0, 2, 4, 8, 16, 32, 60, 60]);
    expect(delays).toEqual([2, 4, 8, 16, 32, 60, 60]);
  });

  it('R2: a run of 10 s resets the counter, even after the daemon was in backoff', () => {
    // Runs 1–3 die at once, run 4 (after a 2 s backoff) lives 12 s, run 5 dies at once.
    const driver = new FakeDriver((spawn) => (spawn === 4 ? { exitAfterMs: 12_000, exitCode: 1 } : { exitAfterMs: 0, exitCode: 1 }));
    const attempts: string[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver })
        .pipe(
          filter((event) => event.type === 'spawning' || event.type === 'stable'),
          take(8),
        )
        .subscribe((event) => attempts.push(event.type === 'spawning' ? `spawn#${event.attempt}@${event.at}` : `stable@${event.at}`));
    });
    // Healthy at 2 s + 10 s, measured from run 4's own start: the backoff before it never counts.
    expect(attempts).toEqual([
      'spawn#1@0',
      'spawn#2@0',
      'spawn#3@0',
      'spawn#4@2000',
      'stable@12000',
      'spawn#1@14000',
      'spawn#2@14000',
      'spawn#3@14000',
    ]);
  });

  it('R2: a run one ms short of healthy does not reset the counter', () => {
    const driver = new FakeDriver((spawn) => (spawn === 4 ? { exitAfterMs: 9_999 } : { exitAfterMs: 0 }));
    const attempts: number[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver }).pipe(ofType('spawning'), take(5)).subscribe((event) => attempts.push(event.attempt));
    });
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
  });

  it('R3: a spawn that fails counts as an attempt and backs off the same way', () => {
    const driver = new FakeDriver({ spawnError: 'ENOENT' });
    const seen = timeline(supervise({ command: 'missing' }, { driver }), 6_000);
    expect(seen).toEqual([
      'spawning@0',
      'spawn-failed@0',
      'spawning@0',
      'spawn-failed@0',
      'spawning@0',
      'spawn-failed@0',
      'backoff@0',
      'spawning@2000',
      'spawn-failed@2000',
      'backoff@2000',
      'spawning@6000',
      'spawn-failed@6000',
      'backoff@6000',
    ]);
    expect(driver.processes.size).toBe(0);
  });

  it('gives up when the policy runs out of attempts, and removes the pid file', () => {
    const driver = crashAtOnce();
    const seen: DaemonEvent[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver, pidFile: '/run/x.pid', restart: exponentialBackoff({ baseDelayMs: 100, maxAttempts: 3 }) }).subscribe(
        (event) => seen.push(event),
      );
    });
    expect(seen.map((e) => `${e.type}@${e.at}`)).toEqual([
      'spawning@0',
      'started@0', 'ready@0',
      'exited@0',
      'backoff@0',
      'spawning@100',
      'started@100', 'ready@100',
      'exited@100',
      'backoff@100',
      'spawning@300',
      'started@300', 'ready@300',
      'exited@300',
      'gave-up@300',
    ]);
    expect(seen.at(-1)).toEqual({ type: 'gave-up', at: 300, attempts: 3, reason: 'attempts-exhausted' });
    expect(driver.files.has('/run/x.pid')).toBe(false);
  });

  it('R4: on-failure lets a clean exit end the daemon', () => {
    const driver = new FakeDriver({ exitAfterMs: 50, exitCode: 0 });
    const seen = timeline(supervise({ command: 'x' }, { driver, restart: restartOn(consulBackoff(), { when: 'on-failure' }) }));
    expect(seen).toEqual(['spawning@0', 'started@0', 'ready@0', 'exited@50', 'completed@50']);
  });

  it('R4: a process killed by a signal reports the signal and no code', () => {
    const driver = new FakeDriver((n) => (n === 1 ? { exitAfterMs: 10, exitSignal: 'SIGSEGV' } : {}));
    const events: DaemonEvent[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver, restart: restartOn(consulBackoff(), { when: 'on-failure' }) })
        .pipe(takeWhile((event) => event.type !== 'started' || event.attempt < 2, true))
        .subscribe((event) => events.push(event));
    });
    expect(events.filter((event) => event.type === 'exited')).toEqual([
      { type: 'exited', at: 10, pid: 1000, code: null, signal: 'SIGSEGV', adopted: false, attempt: 1, runMs: 10, requested: false, tail: [] },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'started', attempt: 2, at: 10 });
  });
});

describe('supervise: stop (S3) and close (S4)', () => {
  it('a stop during backoff ends at once, with no further spawn', () => {
    const driver = crashAtOnce();
    inVirtualTime(({ expectObservable, cold }) => {
      const stop$ = cold('1000ms s');
      const ends$ = supervise({ command: 'x' }, { driver, stop$ }).pipe(
        filter((event) => event.type === 'stopped' || event.type === 'spawning'),
        map((event) => event.type),
      );
      expectObservable(ends$).toBe('(abc) 995ms (d|)', { a: 'spawning', b: 'spawning', c: 'spawning', d: 'stopped' });
    });
    expect(driver.spawns).toHaveLength(3);
    expect(driver.signals).toEqual([]);
  });

  it('SIGINT, then SIGKILL after exactly the grace period, for a process that ignores SIGINT', () => {
    const driver = new FakeDriver({ onSigint: 'ignore' });
    inVirtualTime(({ expectObservable, cold }) => {
      const stop$ = cold('100ms s');
      const events$ = supervise({ command: 'x' }, { driver, stop$, gracefulStopMs: 3_000 }).pipe(map((event) => event.type));
      expectObservable(events$).toBe('(abr) 95ms c 2999ms (dfg|)', {
        a: 'spawning',
        b: 'started',
        r: 'ready',
        c: 'stopping',
        d: 'killing',
        f: 'exited',
        g: 'stopped',
      });
    });
    expect(driver.signalLog()).toEqual(['SIGINT 1000@100', 'SIGKILL 1000@3100']);
    expect(driver.signals.every((signal) => signal.group)).toBe(true);
  });

  it('a cooperative process is not killed: stop ends when it exits', () => {
    const driver = new FakeDriver({ onSigint: { exitAfterMs: 250, exitCode: 0 } });
    const seen = timeline(supervise({ command: 'x' }, { driver, stop$: timer(1_000) }));
    expect(seen).toEqual(['spawning@0', 'started@0', 'ready@0', 'stopping@1000', 'exited@1250', 'stopped@1250']);
    expect(driver.signalLog()).toEqual(['SIGINT 1000@1000']);
  });

  it('never signals a pid whose exit was observed', () => {
    // The process dies at 500; the stop at 500 comes after: it must not signal the dead pid.
    const driver = new FakeDriver((n) => (n === 1 ? { exitAfterMs: 500 } : { exitAfterMs: 0, spawnError: 'ENOENT' }));
    const seen = timeline(supervise({ command: 'x' }, { driver, stop$: timer(700) }));
    expect(seen.slice(0, 4)).toEqual(['spawning@0', 'started@0', 'ready@0', 'exited@500']);
    expect(seen.at(-1)).toBe('stopped@700');
    expect(driver.signals).toEqual([]);
  });

  it('signals the process alone when killProcessGroup is off', () => {
    const driver = new FakeDriver();
    timeline(supervise({ command: 'x' }, { driver, stop$: timer(10), killProcessGroup: false }));
    expect(driver.signals).toEqual([{ pid: 1000, signal: 'SIGINT', group: false, at: 10 }]);
  });

  it('close leaves the process running, sends nothing and keeps the pid file', () => {
    const driver = new FakeDriver();
    const seen: DaemonEvent[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x', id: 'web' }, { driver, close$: timer(5_000), pidFile: '/run/web.pid' }).subscribe((event) => seen.push(event));
    });
    expect(seen.at(-1)).toEqual({ type: 'closed', at: 5_000, id: 'web', pid: 1000 });
    expect(driver.signals).toEqual([]);
    expect(driver.processes.get(1000)?.alive).toBe(true);
    expect(driver.files.get('/run/web.pid')).toBe('1000\n');
  });

  it('unsubscribing is not a detach: it stops the process in the background', () => {
    const driver = new FakeDriver({ onSigint: 'ignore' });
    inVirtualTime(({ cold }) => {
      const subscription = supervise({ command: 'x' }, { driver, gracefulStopMs: 1_000, pidFile: '/p' }).subscribe();
      cold('200ms u').subscribe(() => {
        subscription.unsubscribe();
      });
    });
    expect(driver.signalLog()).toEqual(['SIGINT 1000@200', 'SIGKILL 1000@1200']);
    expect(driver.processes.get(1000)?.alive).toBe(false);
    expect(driver.files.has('/p')).toBe(false);
  });

  it('a stop asked for before the first spawn spawns nothing', () => {
    const driver = new FakeDriver();
    const seen = timeline(supervise({ command: 'x' }, { driver, stop$: of('now') }));
    expect(seen).toEqual(['stopped@0']);
    expect(driver.spawns).toEqual([]);
  });
});

describe('supervise: the pid file (S2)', () => {
  it('holds the new pid after each restart and is gone after stop', () => {
    const driver = new FakeDriver((n) => (n <= 2 ? { exitAfterMs: 100 } : {}));
    const contents: (string | undefined)[] = [];
    inVirtualTime(({ cold }) => {
      supervise({ command: 'x' }, { driver, pidFile: '/run/x.pid', stop$: cold('1000ms s') }).subscribe((event) => {
        if (event.type === 'started' || event.type === 'stopped') contents.push(driver.files.get('/run/x.pid'));
      });
    });
    // Read at `started`, the write of that pid is queued right after: each read sees the pid before it.
    expect(driver.spawns).toHaveLength(3);
    expect(contents).toEqual([undefined, '1000\n', '1001\n', undefined]);
  });

  it('a pid file that cannot be written is an event, and the daemon runs on', () => {
    const driver = new FakeDriver();
    driver.unwritable.add('/ro/x.pid');
    const seen = timeline(supervise({ command: 'x' }, { driver, pidFile: '/ro/x.pid', stop$: timer(50) }));
    expect(seen).toEqual(['spawning@0', 'started@0', 'pidfile-error@0', 'ready@0', 'stopping@50', 'exited@50', 'pidfile-error@50', 'stopped@50']);
  });
});

describe('supervise: what reaches the child', () => {
  it('gives the id and token in the environment, on top of the command’s env, and drops inherited ones', () => {
    const driver = new FakeDriver();
    timeline(supervise({ command: 'x', args: ['-v'], env: { A: '1' }, id: 'web', token: 's3cret' }, { driver, stop$: timer(1) }));
    expect(driver.spawns[0]).toMatchObject({
      command: 'x',
      args: ['-v'],
      env: { A: '1', RXDAEMON_ID: 'web', RXDAEMON_TOKEN: 's3cret' },
      dropEnv: ['RXDAEMON_ID', 'RXDAEMON_TOKEN', 'RXDAEMON_SCOPE'],
    });
  });

  it('uses the variable names it is given', () => {
    const driver = new FakeDriver();
    timeline(supervise({ command: 'x', id: 'web', token: 't' }, { driver, stop$: timer(1), envNames: { id: 'PROXY_ID', token: 'PROXY_TOKEN' } }));
    expect(driver.spawns[0]?.env).toEqual({ PROXY_ID: 'web', PROXY_TOKEN: 't' });
  });

  it('never puts the token in an event or a log line', () => {
    const driver = new FakeDriver((n) => (n < 5 ? { exitAfterMs: 10, exitCode: 3 } : { spawnError: 'EACCES' }));
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const events: DaemonEvent[] = [];
    inVirtualTime(() => {
      supervise(
        { command: 'x', id: 'web', token: 'TOPSECRET' },
        { driver, stop$: timer(30_000), pidFile: '/p', logger: { debug: log, info: log, warn: log, error: log } },
      ).subscribe((event) => events.push(event));
    });
    expect(lines.length).toBeGreaterThan(10);
    expect(JSON.stringify(events)).not.toContain('TOPSECRET');
    expect(lines.join('\n')).not.toContain('TOPSECRET');
  });

  it('refuses a bad option before anything runs', () => {
    expect(() => supervise({ command: 'x' }, { gracefulStopMs: -1 })).toThrow(
      'Expected the `gracefulStopMs` option to be an integer number of ms between 0 and 2147483647, got `-1` (number).',
    );
    expect(() => supervise({ command: '' })).toThrow("Expected the command's `command` to be a non-empty string");
    expect(() => supervise({ command: 'x', token: 42 as never })).toThrow("Expected the command's `token` to be a string without NUL of at most 131072 characters, got a number.");
  });

  it('completes only on a terminal event', () => {
    inVirtualTime(({ expectObservable }) => {
      const events$ = supervise({ command: 'x' }, { driver: new FakeDriver(), close$: NEVER, stop$: NEVER }).pipe(map((e) => e.type));
      expectObservable(events$).toBe('(abr) 9995ms c', { a: 'spawning', b: 'started', r: 'ready', c: 'stable' });
    });
  });
});
