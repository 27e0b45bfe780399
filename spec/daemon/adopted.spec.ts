import { asyncScheduler, map, of, Subject, take, timer, type SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DaemonEvent } from '../../lib/events.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

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
      { type: 'adopted', at: 0, id: 'p', pid: adopt.pid },
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
    expect(driver.signalLog()).toEqual(['SIGINT@2500']);
  });

  it('stop of an adopted process that ignores SIGINT: SIGKILL after exactly the grace period', () => {
    const driver = new FakeDriver({});
    const adopt = adopting(driver, { onSigint: 'ignore' });
    inVirtualTime(({ expectObservable, cold }) => {
      const events$ = supervise({ command: 'x' }, { driver, adopt, stop$: cold('100ms s'), gracefulStopMs: 1_000 }).pipe(map((e) => e.type));
      expectObservable(events$).toBe('(ar) 96ms b 999ms c 9ms (de|)', { a: 'adopted', r: 'ready', b: 'stopping', c: 'killing', d: 'exited', e: 'stopped' });
    });
    expect(driver.signalLog()).toEqual(['SIGINT@100', 'SIGKILL@1100']);
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
    expect(driver.signalLog()).toEqual(['SIGINT@100']);
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
      const watch = driver.watch.bind(driver);
      driver.watch = (target) => {
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
