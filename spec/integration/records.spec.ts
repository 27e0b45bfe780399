import { BehaviorSubject, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { DaemonState } from '../../lib/daemon/state.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { runManager, type RealManager } from '../helpers/real-manager.js';
import { child, isAlive, readIfThere, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();

const startManager = (desired$: Observable<DesiredSet>): RealManager => runManager(sandbox(), desired$, { quietMs: 50, maxWaitMs: 500, snapshotIntervalMs: 100 });

/** Every map `states$` sends, as they come. */
const statesOf = ({ manager }: RealManager): ReadonlyMap<string, DaemonState>[] => {
  const seen: ReadonlyMap<string, DaemonState>[] = [];
  manager.states$.subscribe((states) => seen.push(states));
  return seen;
};

const is =
  <T extends ManagerEvent['type']>(type: T, id?: string) =>
  (event: ManagerEvent): event is Extract<ManagerEvent, { type: T }> =>
    event.type === type && (id === undefined || ('id' in event && event.id === id));

describe('the records carry what a stop needs (issue 15, item 3)', () => {
  it('a service removed while no manager ran gets its own stop signal, counts as stopped, and leaves the states once gone', async () => {
    // It ignores SIGINT and dies of SIGTERM; a grace of a minute would make a wrong stop signal plain.
    const service = { ...child('--on-sigint', 'ignore'), stopSignal: 'SIGTERM', gracefulStopMs: 60_000 } as const;
    const first = startManager(new BehaviorSubject<DesiredSet>({ term: service }));
    const { pid } = await first.next(is('started', 'term'), 'term to start');
    await first.manager.close();
    expect(isAlive(pid)).toBe(true);

    // Removed from the configuration while no manager ran: the next one knows of it only from its record.
    const second = startManager(new BehaviorSubject<DesiredSet>({}));
    const states = statesOf(second);
    const stopping = await second.next(is('stopping', 'term'), 'the stop of term');
    expect(stopping).toMatchObject({ pid, signal: 'SIGTERM' });
    expect(await second.next(is('reconcile'), 'the first reconcile')).toMatchObject({ started: [], stopped: ['term'], replaced: [] });
    const exited = await second.next(is('exited', 'term'), 'term to exit');
    expect(exited).toMatchObject({ pid, signal: null, requested: true, reason: 'stop' });
    await second.next(is('stopped', 'term'), 'term to be stopped');
    expect(isAlive(pid)).toBe(false);
    await waitFor('states$ to drop term', () => states.at(-1)?.has('term') === false);
    expect(states.some((map) => map.get('term')?.status === 'stopping')).toBe(true);
  });
});

describe('an adopted process has the facts of its own run (issue 15, item 11)', () => {
  it('its attempt from its record, a crash report of its own run only, and runMs and since from its real start', async () => {
    // Run 1 writes a line and crashes; run 2 (attempt 2) writes its own and stays, as the same pid.
    const second = sandbox().path('second-run');
    const script = `if [ -e "${second}" ]; then echo 'run 2: up' >&2; exec sleep 600; else touch "${second}"; echo 'run 1: crashed' >&2; exit 1; fi`;
    const desired: DesiredSet = { svc: { command: '/bin/sh', args: ['-c', script] } };
    const first = startManager(new BehaviorSubject(desired));
    const secondRun = (event: ManagerEvent): event is Extract<ManagerEvent, { type: 'started' }> => is('started', 'svc')(event) && event.attempt === 2;
    const started = await first.next(secondRun, 'the second run of svc');
    const stderr = sandbox().path('data/logs/svc-stderr.log');
    await waitFor('the second run to write', () => (readIfThere(stderr) ?? '').includes('run 2: up'));
    // Long enough that a run counted from its adoption would plainly be shorter.
    await waitFor('1.5 s of its run to pass', () => Date.now() - started.at >= 1_500);
    await first.manager.close();

    const next = startManager(new BehaviorSubject(desired));
    const states = statesOf(next);
    const adopted = await next.next(is('adopted', 'svc'), 'the adoption of svc');
    expect(adopted).toMatchObject({ pid: started.pid, attempt: 2 });
    // /proc counts in 10 ms ticks, and the fork comes a moment before `started`.
    expect(Math.abs(adopted.startedAt - started.at)).toBeLessThan(100);
    await waitFor('states$ to show svc adopted', () => states.at(-1)?.get('svc')?.adopted === true);
    const state = states.at(-1)?.get('svc');
    expect(state?.attempt).toBe(2);
    expect(Math.abs((state?.since ?? 0) - started.at)).toBeLessThan(100);

    await next.manager.kill();
    const exited = await next.next(is('exited', 'svc'), 'the exit of svc');
    expect(exited).toMatchObject({ pid: started.pid, adopted: true, attempt: 2, tail: ['run 2: up'] });
    expect(exited.runMs).toBeGreaterThanOrEqual(exited.at - started.at - 100);
  });
});
