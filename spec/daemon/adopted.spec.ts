import { isRight } from 'fp-ts/lib/Either.js';
import { asyncScheduler, map, of, Subject, take, timer, type SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import type { DaemonState } from '../../lib/daemon/state.js';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DaemonEvent } from '../../lib/events.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime, testScheduler } from '../helpers/virtual-time.js';

const adopting = (driver: FakeDriver, options: { exitAfterMs?: number; onSigint?: 'ignore' } = {}) => {
  const fake = driver.addProcess(options);
  return { pid: fake.pid, startTime: fake.startTime };
};

describe('supervise: an adopted process (S8)', () => {
  it('the poll notices its death on the next tick', () => {
    inVirtualTime(({ expectObservable }) => {
      const driver = new FakeDriver({});
      const adopt = adopting(driver, { exitAfterMs: 1_500 });
      const events$ = supervise({ command: 'x' }, { driver, adopt }).pipe(
        map((event) => event.type),
        take(4),
      );
      // Ready at once (no check); dies at 1.5 s; the 1 s poll sees it at 2 s and the recorded command is spawned at once.
      expectObservable(events$).toBe('(ar) 1996ms (bc|)', { a: 'adopted', r: 'ready', b: 'exited', c: 'spawning' });
    });
  });

  it('an adopted process that dies is respawned from the recorded command, as attempt 1', () => {
    const driver = new FakeDriver({});
    const seen: DaemonEvent[] = [];
    // The fake schedules the death, so it is added inside virtual time.
    const adopt = inVirtualTime(() => {
      const adopt = adopting(driver, { exitAfterMs: 500 });
      supervise({ command: 'envoy', args: ['-c', 'e.yaml'], id: 'p', token: 't' }, { driver, adopt, pollIntervalMs: 200 })
        .pipe(take(5))
        .subscribe((event) => seen.push(event));
      return adopt;
    });
    expect(seen).toEqual([
      { type: 'adopted', at: 0, id: 'p', pid: adopt.pid, attempt: 0, startedAt: 0 },
      { type: 'ready', at: 0, id: 'p', pid: adopt.pid, afterMs: 0 },
      { type: 'exited', at: 600, id: 'p', pid: adopt.pid, code: null, signal: null, adopted: true, attempt: 0, runMs: 600, requested: false, tail: [] },
      { type: 'spawning', at: 600, id: 'p', attempt: 1 },
      { type: 'started', at: 600, id: 'p', pid: adopt.pid + 1, attempt: 1 },
    ]);
    expect(driver.spawns[0]).toMatchObject({ command: 'envoy', args: ['-c', 'e.yaml'], env: { RXDAEMON_ID: 'p', RXDAEMON_TOKEN: 't' } });
  });

  it('a pid reused by another process counts as the adopted one dying', () => {
    const driver = new FakeDriver({});
    const adopt = adopting(driver);
    const seen: string[] = [];
    inVirtualTime(({ cold }) => {
      cold('300ms r').subscribe(() => driver.reusePid(adopt.pid));
      supervise({ command: 'x' }, { driver, adopt, stop$: timer(5_000) }).subscribe((event) => seen.push(`${event.type}@${event.at}`));
    });
    expect(seen.slice(0, 4)).toEqual(['adopted@0', 'ready@0', 'exited@1000', 'spawning@1000']);
    // The stranger now holding the pid was never signalled.
    expect(driver.signals.filter((signal) => signal.pid === adopt.pid)).toEqual([]);
  });

  it('stop goes SIGINT, fast polls, and ends within one fast poll of the exit', () => {
    const driver = new FakeDriver({});
    const adopt = adopting(driver);
    const seen: string[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver, adopt, stop$: timer(2_500) }).subscribe((event) => seen.push(`${event.type}@${event.at}`));
    });
    expect(seen).toEqual(['adopted@0', 'ready@0', 'stopping@2500', 'exited@2510', 'stopped@2510']);
    expect(driver.signalLog()).toEqual(['SIGINT 1000@2500']);
  });

  it('stop of an adopted process that ignores SIGINT: SIGKILL after exactly the grace period', () => {
    const driver = new FakeDriver({});
    const adopt = adopting(driver, { onSigint: 'ignore' });
    inVirtualTime(({ expectObservable, cold }) => {
      const events$ = supervise({ command: 'x' }, { driver, adopt, stop$: cold('100ms s'), gracefulStopMs: 1_000 }).pipe(map((e) => e.type));
      expectObservable(events$).toBe('(ar) 96ms b 999ms c 9ms (de|)', { a: 'adopted', r: 'ready', b: 'stopping', c: 'killing', d: 'exited', e: 'stopped' });
    });
    expect(driver.signalLog()).toEqual(['SIGINT 1000@100', 'SIGKILL 1000@1100']);
  });

  it('refuses to signal an adopted pid that was reused while stopping, and still ends', () => {
    const driver = new FakeDriver({});
    const adopt = adopting(driver, { onSigint: 'ignore' });
    const seen: string[] = [];
    inVirtualTime(({ cold }) => {
      cold('500ms r').subscribe(() => driver.reusePid(adopt.pid));
      supervise({ command: 'x' }, { driver, adopt, stop$: timer(100), gracefulStopMs: 1_000 }).subscribe((event) => seen.push(`${event.type}@${event.at}`));
    });
    expect(seen).toEqual(['adopted@0', 'ready@0', 'stopping@100', 'exited@500', 'stopped@500']);
    expect(driver.signalLog()).toEqual(['SIGINT 1000@100']);
  });

  it('a stop that comes before the loop runs still stops the adopted process (adopted first, so its pid is known)', () => {
    const driver = new FakeDriver({});
    const adopt = adopting(driver);
    const seen: string[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver, adopt, stop$: of('at once') }).subscribe((event) => seen.push(`${event.type}@${event.at}`));
    });
    // The stop was asked first: no check runs, so no `ready`.
    expect(seen).toEqual(['adopted@0', 'stopping@0', 'exited@10', 'stopped@10']);
    expect(driver.processes.get(adopt.pid)?.alive).toBe(false);
  });

  it('all adopted processes of a scheduler share one poll timer', () => {
    let pollTimers = 0;
    let polling = false;
    const exits: number[] = [];
    inVirtualTime(() => {
      // Counts the timers asked for at the poll period, once the fake's own are set; everything else passes through.
      const counting: SchedulerLike = {
        now: () => asyncScheduler.now(),
        schedule: (work, delay, state) => {
          if (polling && delay === 1_000) pollTimers++;
          return asyncScheduler.schedule(work as never, delay, state);
        },
      };
      const driver = new FakeDriver({}, { scheduler: counting });
      // Every death is scheduled before the poll starts, so a death at a tick's instant is seen by that tick.
      const adoptees = Array.from({ length: 50 }, (_, i) => adopting(driver, { exitAfterMs: 100 * (i + 1) }));
      polling = true;
      for (const adopt of adoptees) {
        supervise({ command: 'x' }, { driver, adopt, scheduler: counting, restart: noRestart }).subscribe((event) => {
          if (event.type === 'exited') exits.push(event.at);
        });
      }
    });
    expect(pollTimers).toBe(1);
    expect(exits).toHaveLength(50);
    // Each death is seen on the first tick after it: deaths at 0.1 … 5 s, ticks every second.
    expect(exits.every((at, i) => at === Math.ceil((100 * (i + 1)) / 1_000) * 1_000)).toBe(true);
  });

  it('a watch let go during a tick (its daemon closed by what an earlier one\'s exit set off) is not looked at again', () => {
    const looks: string[] = [];
    inVirtualTime(() => {
      const driver = new FakeDriver({});
      // Records each look, and marks one made through a watch already closed (a real one would read a closed descriptor).
      const watch = driver.processes.watch.bind(driver.processes);
      driver.processes.watch = (target) => {
        const watching = watch(target);
        let closed = false;
        return {
          gone: () => {
            looks.push(`${target.pid}${closed ? ' after close' : ''}@${asyncScheduler.now()}`);
            return watching.gone();
          },
          close: () => {
            closed = true;
            watching.close();
          },
        };
      };
      const first = adopting(driver, { exitAfterMs: 500 });
      const second = adopting(driver);
      const closeSecond$ = new Subject<void>();
      supervise({ command: 'x' }, { driver, adopt: first, restart: noRestart }).subscribe((event) => {
        if (event.type === 'exited') closeSecond$.next();
      });
      supervise({ command: 'x' }, { driver, adopt: second, close$: closeSecond$ }).subscribe();
    });
    expect(looks).toEqual(['1000@1000']);
  });
});

describe('supervise: stopping an adopted process whose pid was just reused', () => {
  it('sends nothing to the stranger and ends when the poll sees the change', () => {
    const driver = new FakeDriver({});
    const adopt = adopting(driver);
    const seen: string[] = [];
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    inVirtualTime(({ cold }) => {
      cold('50ms r').subscribe(() => driver.reusePid(adopt.pid));
      supervise({ command: 'x' }, { driver, adopt, stop$: timer(100), logger: { debug: log, info: log, warn: log, error: log } }).subscribe((event) =>
        seen.push(`${event.type}@${event.at}`),
      );
    });
    expect(seen).toEqual(['adopted@0', 'ready@0', 'exited@110', 'stopped@110']);
    expect(driver.signals).toEqual([]);
    expect(lines).toContain(`rxdaemon: SIGINT to ${adopt.pid} not sent: pid ${adopt.pid} now belongs to another process`);
  });
});

const exitedOf = (events: readonly DaemonEvent[]) => events.find((event) => event.type === 'exited');

describe('an adopted process has the facts of its own run (its record, its start)', () => {
  it('carries on the attempt its record gives: its exit, and the backoff and spawn after it, count from there', () => {
    const driver = new FakeDriver({});
    const seen: DaemonEvent[] = [];
    inVirtualTime(() => {
      const fake = driver.addProcess({ exitAfterMs: 500 });
      supervise({ command: 'x' }, { driver, adopt: { pid: fake.pid, startTime: fake.startTime, attempt: 4 }, pollIntervalMs: 100 })
        .pipe(take(5))
        .subscribe((event) => seen.push(event));
    });
    expect(seen.map((event) => event.type)).toEqual(['adopted', 'ready', 'exited', 'backoff', 'spawning']);
    expect(seen[0]).toMatchObject({ type: 'adopted', attempt: 4 });
    expect(exitedOf(seen)).toMatchObject({ attempt: 4, adopted: true });
    // R1: attempt 5 waits 2^(5-3) s, as it would had the same supervisor spawned the four before.
    expect(seen.slice(3)).toMatchObject([
      { type: 'backoff', attempt: 5, delayMs: 4_000 },
      { type: 'spawning', at: 4_500, attempt: 5 },
    ]);
  });

  it('its crash report holds only the lines of its own run, read from the offset its record gives', () => {
    const driver = new FakeDriver({});
    driver.files.set('/err', 'run 1: listening\nrun 1: EADDRINUSE\n');
    const offset = Buffer.byteLength(driver.files.get('/err') ?? '');
    const seen: DaemonEvent[] = [];
    inVirtualTime(({ cold }) => {
      const fake = driver.addProcess({ exitAfterMs: 500 });
      cold('200ms w').subscribe(() => driver.files.set('/err', `${driver.files.get('/err') ?? ''}run 2: listening\n`));
      const adopt = { pid: fake.pid, startTime: fake.startTime, outputStart: { stderr: offset } };
      supervise({ command: 'x' }, { driver, adopt, stderr: { file: '/err' }, restart: noRestart, pollIntervalMs: 100 }).subscribe((event) => seen.push(event));
    });
    expect(exitedOf(seen)).toMatchObject({ tail: ['run 2: listening'] });
  });

  it('counts its run from its own start, not its adoption: since, runMs and R2 (checks still count from the adoption)', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({}, { scheduler });
    // Started at 0, ready at 5 s, dies at 12 s; adopted at 4 s.
    const fake = driver.addProcess({ exitAfterMs: 12_000, readyAfterMs: 5_000 });
    const seen: DaemonEvent[] = [];
    const states: DaemonState[] = [];
    scheduler.schedule(() => {
      const snapshot = { version: 1, pid: fake.pid, startTime: fake.startTime, bootId: 'fake-boot', command: 'x', args: [], env: {} };
      const restored = Daemon.restore(snapshot, { driver, scheduler, restart: noRestart, ready: { check: driver.check, intervalMs: 100 }, pollIntervalMs: 100 });
      if (!isRight(restored)) throw new Error('not restored');
      restored.right.events$.subscribe((event) => {
        seen.push(event);
        states.push(restored.right.state);
      });
    }, 4_000);
    scheduler.flush();
    expect(seen.map((event) => `${event.type}@${event.at}`)).toEqual(['adopted@4000', 'ready@5000', 'stable@10000', 'exited@12000', 'completed@12000']);
    expect(seen[0]).toMatchObject({ startedAt: 0 });
    expect(seen[1]).toMatchObject({ afterMs: 1_000 });
    expect(states[0]).toMatchObject({ status: 'starting', since: 0 });
    expect(exitedOf(seen)).toMatchObject({ runMs: 12_000 });
  });

  it('starts from its adoption where the OS does not tell its start time', () => {
    const driver = new FakeDriver({});
    const seen: DaemonEvent[] = [];
    inVirtualTime(({ cold }) => {
      cold('3s a').subscribe(() => {
        const fake = driver.addProcess({ exitAfterMs: 1_000 });
        supervise({ command: 'x' }, { driver, adopt: { pid: fake.pid, startTime: null }, restart: noRestart, pollIntervalMs: 100 }).subscribe((event) => seen.push(event));
      });
    });
    expect(seen[0]).toMatchObject({ type: 'adopted', at: 3_000, startedAt: 3_000 });
    expect(exitedOf(seen)).toMatchObject({ runMs: 1_000 });
  });

  it('FakeDriver scripts a start before now; never after it', () => {
    inVirtualTime(({ cold }) => {
      const driver = new FakeDriver({});
      cold('5s a').subscribe(() => {
        expect(driver.addProcess({ startedAt: 1_000 }).startTime).toBe('1000');
        expect(driver.system.startedAt({ pid: 1, startTime: '1000' }, 60_000)).toBe(56_000);
        expect(() => driver.addProcess({ startedAt: 6_000 })).toThrow(TypeError);
      });
    });
  });
});

describe('Daemon.snapshot and restore: the run carries on in the next supervisor', () => {
  it('records the attempt, where the run\'s output begins and how it is stopped; the adopted run goes on from them', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver((n) => (n === 1 ? { writes: { stderr: 'run 1: starting\nrun 1: crashed\n' }, exitAfterMs: 100, exitCode: 1 } : { writes: { stderr: 'run 2: starting\n' } }), {
      scheduler,
    });
    const options = { driver, scheduler, stderr: { file: '/err' } } as const;
    const first = new Daemon({ command: 'x' }, { ...options, stopSignal: 'SIGTERM', gracefulStopMs: 30_000, killProcessGroup: false });
    first.start();
    scheduler.flush();
    first.close();
    scheduler.flush();
    const snapshot = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
    expect(snapshot).toMatchObject({ attempt: 2, outputStart: { stderr: Buffer.byteLength('run 1: starting\nrun 1: crashed\n') }, stopSignal: 'SIGTERM', gracefulStopMs: 30_000, killProcessGroup: false });

    const restored = Daemon.restore(snapshot, { ...options, restart: noRestart, pollIntervalMs: 100 });
    if (!isRight(restored)) throw new Error('not restored');
    const second = restored.right;
    const seen: DaemonEvent[] = [];
    second.events$.subscribe((event) => seen.push(event));
    scheduler.schedule(() => {
      driver.end(second.state.pid ?? -1, { code: 1, signal: null });
    }, 1_000);
    scheduler.flush();
    expect(seen[0]).toMatchObject({ type: 'adopted', attempt: 2 });
    expect(exitedOf(seen)).toMatchObject({ attempt: 2, adopted: true, tail: ['run 2: starting'] });
  });
});
