import { AsyncSubject, defer, map, Subject, take, takeWhile, tap, type Observable, type SchedulerAction, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../lib/checks/check.js';
import { lifecycle$ } from '../../lib/daemon/lifecycle.js';
import { askEnd, type Ending } from '../../lib/daemon/requests.js';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DaemonEvent, DaemonEventType } from '../../lib/events.js';
import type { Logger } from '../../lib/logger.js';
import { resolveOptions, type DaemonOptions } from '../../lib/options.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { limitRestarts } from '../../lib/policy/limit-restarts.js';
import { restartOn } from '../../lib/policy/restart-on.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import type { AddedProcess } from '../../lib/testing/fake-process.js';
import type { Script } from '../../lib/testing/script.js';
import { testScheduler } from '../helpers/virtual-time.js';

const HOUR = 3_600_000;

/** A TestScheduler that counts what is handed to it: every timer, interval and scheduled action starts with a `schedule` call. */
class CountingScheduler extends TestScheduler {
  scheduled = 0;

  constructor() {
    super((actual, expected) => {
      expect(actual).toEqual(expected);
    });
  }

  override schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
    this.scheduled += 1;
    return super.schedule(work, delay, state);
  }
}

/** Every event type: a type added to the union fails to compile here until a scenario below reaches it. */
const EVERY_TYPE: Record<DaemonEventType, true> = {
  spawning: true,
  started: true,
  'spawn-failed': true,
  adopted: true,
  ready: true,
  'not-ready': true,
  'health-failed': true,
  unhealthy: true,
  stable: true,
  exited: true,
  backoff: true,
  stopping: true,
  killing: true,
  stopped: true,
  closed: true,
  'gave-up': true,
  completed: true,
  'pidfile-error': true,
  'rotate-failed': true,
};

/** One life of a daemon in virtual time, scripted so that between them the scenarios reach every event type. */
interface Scenario {
  readonly name: string;
  readonly script: Script;
  /** The options on top of the driver and the scheduler; `check` counts its attempts. */
  readonly options?: (check: Check) => DaemonOptions;
  /** Prepares the driver's files: unwritable paths, a log to rotate. */
  readonly files?: (driver: FakeDriver) => void;
  /** A live process to adopt instead of spawning. */
  readonly adopt?: AddedProcess;
  /** When its owner asks for a restart, a stop or a close (virtual ms). */
  readonly asks?: { readonly restart?: number; readonly stop?: number; readonly close?: number };
  /** How long the scenario runs: each of its events up to then is a moment to unsubscribe at. */
  readonly forMs: number;
}

const crashing = { exitAfterMs: 0, exitCode: 1 };

const scenarios: readonly Scenario[] = [
  { name: 'a crash loop with a pid file', script: crashing, options: () => ({ pidFile: '/run/x.pid' }), forMs: 10_000 },
  {
    name: 'ready late, stable, then unhealthy',
    script: { readyAfterMs: 300, unhealthyAfterMs: 12_000 },
    options: (check) => ({ ready: { check, intervalMs: 100 }, health: { check, intervalMs: 1_000, failures: 2 } }),
    forMs: 30_000,
  },
  {
    name: 'never ready, and deaf to SIGINT',
    script: { readyAfterMs: HOUR * 10, onSigint: 'ignore' },
    options: (check) => ({ ready: { check, intervalMs: 100, timeoutMs: 1_000 }, gracefulStopMs: 500 }),
    forMs: 5_000,
  },
  {
    name: 'a spawn that fails until the policy gives up',
    script: { spawnError: 'ENOENT' },
    options: () => ({ restart: limitRestarts(consulBackoff(), { max: 4, withinMs: 60_000 }) }),
    forMs: 10_000,
  },
  {
    name: 'an adopted process that dies, its replacement stopped',
    script: {},
    adopt: { exitAfterMs: 2_500 },
    options: () => ({ pollIntervalMs: 1_000 }),
    asks: { stop: 5_000 },
    forMs: 6_000,
  },
  {
    name: 'a restart asked for, then an exit 0 its rule does not restart',
    script: (spawn) => (spawn === 1 ? {} : { exitAfterMs: 2_000, exitCode: 0 }),
    options: () => ({ restart: restartOn(consulBackoff(), { when: 'on-failure' }) }),
    asks: { restart: 1_000 },
    forMs: 4_000,
  },
  {
    name: 'a pid file and a log that cannot be written, then closed',
    script: {},
    options: () => ({ pidFile: '/run/x.pid', stdout: { file: '/log/out' }, maxLogBytes: 10 }),
    files: (driver) => {
      driver.files.set('/log/out', 'x'.repeat(100));
      driver.unwritable.add('/run/x.pid');
      driver.unwritable.add('/log/out');
    },
    asks: { close: 2_500 },
    forMs: 3_000,
  },
];

/** What the daemon did so far. */
interface Counts {
  readonly spawns: number;
  readonly checks: number;
  readonly scheduled: number;
  readonly signals: number;
}

/** One play of a scenario; what the subscriber saw, and what was done when it left and at the end. */
interface Play {
  readonly seen: readonly DaemonEvent[];
  /** The counts when the subscriber left, and when the pipeline logged its last line (the terminal event, if it reached one). */
  readonly left: Counts | undefined;
  readonly lastLogged: { readonly line: string; readonly counts: Counts } | undefined;
  readonly end: Counts & { readonly pending: number; readonly alive: number };
}

type Target = 'lifecycle$' | 'supervise()';

/**
 * Plays `scenario` through `target` for `forMs` and an hour more; with
 * `leaveAt`, its subscriber unsubscribes inside the delivery of the event of
 * that index, as `take` does.
 */
const play = (scenario: Scenario, target: Target, leaveAt?: number): Play => {
  const scheduler = new CountingScheduler();
  scheduler.maxFrames = leaveAt === undefined ? scenario.forMs : scenario.forMs + HOUR;
  const driver = new FakeDriver(scenario.script, { scheduler });
  scenario.files?.(driver);
  let checks = 0;
  const check: Check = (checked) => {
    checks += 1;
    return driver.check(checked);
  };
  const counts = (): Counts => ({ spawns: driver.spawns.length, checks, scheduled: scheduler.scheduled, signals: driver.signals.length });
  let lastLogged: Play['lastLogged'];
  const log = (line: string): void => {
    lastLogged = { line, counts: counts() };
  };
  const logger: Logger = { debug: log, info: log, warn: log, error: log };
  const options: DaemonOptions = { ...scenario.options?.(check), driver, scheduler, logger };
  const added = scenario.adopt === undefined ? undefined : driver.addProcess(scenario.adopt);
  const adopt = added === undefined ? undefined : { pid: added.pid, startTime: added.startTime };
  const at = (ms: number | undefined, ask: () => void): void => {
    if (ms !== undefined) scheduler.schedule(ask, ms);
  };
  const restart$ = new Subject<void>();
  at(scenario.asks?.restart, () => {
    restart$.next();
  });
  let events$: Observable<DaemonEvent>;
  if (target === 'supervise()') {
    const stop$ = new Subject<void>();
    const close$ = new Subject<void>();
    at(scenario.asks?.stop, () => {
      stop$.next();
    });
    at(scenario.asks?.close, () => {
      close$.next();
    });
    events$ = supervise({ command: 'x' }, { ...options, stop$, close$, restart$, ...(adopt === undefined ? {} : { adopt }) });
  } else {
    const ending = new AsyncSubject<Ending>();
    at(scenario.asks?.stop, () => {
      askEnd(ending, 'stop');
    });
    at(scenario.asks?.close, () => {
      askEnd(ending, 'close');
    });
    events$ = lifecycle$({ command: 'x' }, resolveOptions(options), { ending, restart$ }, adopt);
  }
  const seen: DaemonEvent[] = [];
  let left: Counts | undefined;
  events$
    .pipe(
      tap((event) => {
        seen.push(event);
        if (seen.length - 1 === leaveAt) left = counts();
      }),
      take(leaveAt === undefined ? Number.POSITIVE_INFINITY : leaveAt + 1),
    )
    .subscribe();
  scheduler.flush();
  const alive = [...driver.processes.values()].filter((fake) => fake.alive).length;
  return { seen, left, lastLogged, end: { ...counts(), pending: scheduler.actions.length, alive } };
};

/** `type#index@ms`, to name a moment of a scenario. */
const momentOf = (event: DaemonEvent, index: number): string => `${event.type}#${index}@${event.at}`;

const TERMINAL_LINE = /: (stopped|closed.*|gave up .*|completed: .*)$/;
const CLOSED_LINE = /: closed/;

/**
 * What went on after the subscriber left, that should not have: for
 * `lifecycle$`, anything at all (a spawn, a check, a signal, a schedule,
 * an action still pending an hour later); for `supervise()`, anything but
 * the stop it started, which must end with its process gone and a terminal
 * event, after which nothing is scheduled or pending.
 */
const leftovers = (target: Target, type: DaemonEventType, { left, lastLogged, end }: Play): string[] => {
  if (left === undefined) return ['never left'];
  const wrong: string[] = [];
  const grew = (name: keyof Counts, allowed = 0): void => {
    const more = end[name] - left[name];
    if (more > allowed) wrong.push(`${more} ${name}`);
  };
  grew('checks');
  if (target === 'lifecycle$') {
    grew('spawns');
    grew('signals');
    grew('scheduled');
  } else {
    // The spawn that `spawning` announces goes ahead, and is stopped at once.
    grew('spawns', type === 'spawning' ? 1 : 0);
    const last = lastLogged?.line ?? 'nothing';
    // Left at `closed`, or after it: detached, the process runs on, as it was asked to.
    if (end.alive > 0 && !CLOSED_LINE.test(last)) wrong.push(`${end.alive} alive`);
    if (lastLogged === undefined || !TERMINAL_LINE.test(last)) wrong.push(`last logged: ${last}`);
    else if (end.scheduled > lastLogged.counts.scheduled) wrong.push(`${end.scheduled - lastLogged.counts.scheduled} scheduled after the end`);
  }
  if (end.pending > 0) wrong.push(`${end.pending} pending`);
  return wrong;
};

describe('unsubscribing at every event, then an hour of virtual time', () => {
  const reached = new Set<DaemonEventType>();

  describe.each<Target>(['lifecycle$', 'supervise()'])('%s', (target) => {
    it.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('%s', (_, scenario) => {
      const { seen } = play(scenario, target);
      expect(seen.length).toBeGreaterThan(2);
      const wrong = seen.flatMap((event, index) => {
        reached.add(event.type);
        const found = leftovers(target, event.type, play(scenario, target, index));
        return found.length === 0 ? [] : [`${momentOf(event, index)}: ${found.join(', ')}`];
      });
      expect(wrong).toEqual([]);
    });
  });

  it('the scenarios reach every event type', () => {
    expect([...reached].sort()).toEqual(Object.keys(EVERY_TYPE).sort());
  });
});

/** The inner pipeline of a daemon on `driver`, as the Daemon facade and the manager run it. */
const pipeline$ = (driver: FakeDriver, scheduler: TestScheduler, options: DaemonOptions = {}): Observable<DaemonEvent> =>
  lifecycle$({ command: 'x' }, resolveOptions({ ...options, driver, scheduler }), { ending: new AsyncSubject<Ending>(), restart$: new Subject<void>() });

/** Each spawn the driver makes, as `s` at its virtual time. */
const spawns$ = (driver: FakeDriver): Observable<'s'> => {
  const spawned = new Subject<'s'>();
  const spawn = driver.processes.spawn.bind(driver.processes);
  driver.processes.spawn = (spec) =>
    defer(() => {
      spawned.next('s');
      return spawn(spec);
    });
  return spawned;
};

const types = { a: 'spawning', b: 'started', r: 'ready', c: 'exited', d: 'backoff' } as const;

/**
 * The pipeline of a daemon that dies at once, each time, left at the first
 * event `staying` says no to: its events in marbles, and the driver's spawns,
 * for an hour of virtual time (a leak would respawn forever). Returns the
 * scheduler, with whatever is left in its queue.
 */
const crashLoopLeft = (staying: (type: DaemonEventType) => boolean, marbles: string): TestScheduler => {
  const scheduler = testScheduler();
  const driver = new FakeDriver(crashing, { scheduler });
  scheduler.run(({ expectObservable }) => {
    scheduler.maxFrames = HOUR;
    expectObservable(spawns$(driver)).toBe('(sss)');
    expectObservable(
      pipeline$(driver, scheduler).pipe(
        map((event) => event.type),
        takeWhile(staying, true),
      ),
    ).toBe(marbles, types);
  });
  return scheduler;
};

describe('the reported cases, in marbles', () => {
  it('lifecycle$ left at `backoff`: its timer goes with it, and nothing is spawned again', () => {
    const scheduler = crashLoopLeft((type) => type !== 'backoff', '(abrcabrcabrcd|)');
    expect(scheduler.actions).toEqual([]);
  });

  it('lifecycle$ left at the `spawning` of attempt 4, after a 2 s backoff: that spawn is not made, nor any later one', () => {
    let spawnings = 0;
    // '(abrcabrcabrcd)' takes 15 frames, so 1985 ms later is 2000.
    const scheduler = crashLoopLeft((type) => type !== 'spawning' || ++spawnings < 4, '(abrcabrcabrcd) 1985ms (a|)');
    expect(scheduler.actions).toEqual([]);
  });

  it('lifecycle$ left at `ready`: no health check is ever made, and neither `stable` nor a health interval is left scheduled', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({ readyAfterMs: 300 }, { scheduler });
    const checked = new Subject<'h'>();
    const health: Check = (target) => {
      checked.next('h');
      return driver.check(target);
    };
    scheduler.run(({ expectObservable }) => {
      // The 0.2 leak: one health check a second for as long as the supervisor lived (99 in 100 s).
      scheduler.maxFrames = 100_000;
      expectObservable(checked).toBe('');
      const events$ = pipeline$(driver, scheduler, { ready: { check: driver.check }, health: { check: health, intervalMs: 1_000 } }).pipe(
        map((event) => event.type),
        takeWhile((type) => type !== 'ready', true),
      );
      // Ready at the third attempt, 100 ms apart from 100 ms on: '(ab)' takes 4 frames, so 296 ms later is 300.
      expectObservable(events$).toBe('(ab) 296ms (r|)', types);
    });
    expect(scheduler.actions).toEqual([]);
  });
});
