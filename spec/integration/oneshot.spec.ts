import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { BehaviorSubject, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { DaemonState } from '../../lib/daemon/state.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import type { Service } from '../../lib/manager/service.js';
import { useBundle } from '../helpers/bundle.js';
import { cliRuns, nodeProgram, type Cli } from '../helpers/cli.js';
import { runManager, type RealManager } from '../helpers/real-manager.js';
import { waitFor } from '../helpers/real-processes.js';
import { ownScope } from '../helpers/scope.js';

// Issue 15, items 6 and 7, with real processes: a one-shot task (a shell
// script that sleeps, appends a line to a file and exits) and a service
// `after` it. The file tells what ran, how often, and in which order.

const programs = useBundle();

const { sandbox, own } = cliRuns({
  sweep: (sandbox) => {
    ownScope(sandbox, sandbox.path('data'));
  },
});

const lines = (name: string): string[] => {
  const path = sandbox().path(name);
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line !== '') : [];
};

/** The task: 300 ms of work, a line in `ran`, then exit 0 once `fixed` exists (3 before). */
const migrate = (): Service => ({
  command: '/bin/sh',
  args: ['-c', 'sleep 0.3; echo migrate >> ran; test -f fixed || exit 3'],
  cwd: sandbox().dir,
  oneshot: true,
});

/** A daemon after the task: a line in `ran` as it starts, then it runs until stopped. */
const web = (): Service => ({ command: '/bin/sh', args: ['-c', 'echo web >> ran; exec sleep 60'], cwd: sandbox().dir, after: ['migrate'] });

const fix = (): void => {
  writeFileSync(sandbox().path('fixed'), '');
};

const startManager = (desired$: Observable<DesiredSet>): RealManager => runManager(sandbox(), desired$, { quietMs: 50, maxWaitMs: 500, snapshotIntervalMs: 100 });

const is =
  <T extends ManagerEvent['type']>(type: T, id: string) =>
  (event: ManagerEvent): event is Extract<ManagerEvent, { type: T }> =>
    event.type === type && 'id' in event && event.id === id;

describe('after a one-shot task (issue 15, item 6)', () => {
  it('the service after it starts only once the task has completed with exit code 0; the task is never ready', async () => {
    fix();
    const { manager, next } = startManager(new BehaviorSubject<DesiredSet>({ migrate: migrate(), web: web() }));
    const seen: ManagerEvent[] = [];
    manager.events$.subscribe((event) => seen.push(event));
    await next(is('started', 'web'), 'web to start');
    await waitFor('web to write its line', () => lines('ran').length === 2);
    expect(lines('ran')).toEqual(['migrate', 'web']);
    const completed = seen.find(is('completed', 'migrate'));
    expect(completed).toMatchObject({ code: 0, signal: null });
    expect(seen.find(is('spawning', 'web'))?.at).toBeGreaterThanOrEqual(completed?.at ?? Number.POSITIVE_INFINITY);
    expect(seen.filter(is('ready', 'migrate'))).toEqual([]);
  });

  it('a task that fails leaves the service waiting, told why; fixed and started again, it completes and the service starts', async () => {
    const { manager, next } = startManager(new BehaviorSubject<DesiredSet>({ migrate: migrate(), web: web() }));
    let states: ReadonlyMap<string, DaemonState> = new Map();
    manager.states$.subscribe((latest) => {
      states = latest;
    });
    const failed = await next(is('dependency-failed', 'web'), 'web told that migrate failed');
    expect(failed).toMatchObject({ dependency: 'migrate', how: 'completed', cause: 'waiting for migrate to complete: migrate exited with code 3' });
    await waitFor("web's state to say why", () => states.get('web')?.cause === 'waiting for migrate to complete: migrate exited with code 3');
    expect(states.get('web')?.status).toBe('idle');
    expect(lines('ran')).toEqual(['migrate']);

    fix();
    expect(await manager.start('migrate')).toEqual({ _tag: 'Right', right: 'started' });
    await next(is('started', 'web'), 'web to start after the task was fixed');
    await waitFor('web to write its line', () => lines('ran').length === 3);
    expect(lines('ran')).toEqual(['migrate', 'migrate', 'web']);
  });
});

describe('a one-shot completed in this boot is not run again by the next manager (issue 15, item 7)', () => {
  const data = (): string => sandbox().path('data');

  it('after a close(), and after a SIGKILL of the manager; a kill() forgets it, and a changed definition runs it again', async () => {
    fix();
    const desired$ = new BehaviorSubject<DesiredSet>({ migrate: migrate() });
    const first = startManager(desired$);
    await first.next(is('completed', 'migrate'), 'the task to complete');
    expect((await first.manager.close()).type).toBe('manager-closed');

    const second = startManager(desired$);
    expect(await second.next(is('already-completed', 'migrate'), 'the task said done already')).toMatchObject({ completedAt: expect.any(Number) as number });
    expect(lines('ran')).toEqual(['migrate']);
    expect((await second.manager.kill()).type).toBe('manager-stopped');

    // After the kill, it runs again; its completion reaches the journal at once: a SIGKILL right after loses nothing.
    const config = sandbox().path('daemons.json');
    const save = (daemons: Record<string, unknown>): void => {
      writeFileSync(`${config}.new`, JSON.stringify({ daemons }));
      renameSync(`${config}.new`, config);
    };
    const entry = { command: '/bin/sh', args: migrate().args, cwd: sandbox().dir, oneshot: true };
    save({ migrate: entry });
    const manage = (): Cli => own(nodeProgram([programs.cli, 'manage', '--json', '--config', config, '--data-dir', data()], sandbox().dir));
    const third = manage();
    await third.event('the task to complete under the CLI', (event) => event.type === 'completed' && event.id === 'migrate');
    third.process.kill('SIGKILL');
    await third.exited;
    expect(lines('ran')).toEqual(['migrate', 'migrate']);

    const fourth = manage();
    await fourth.event('the task said done already', (event) => event.type === 'already-completed' && event.id === 'migrate');
    // Its definition changes: it runs again (a reload replaces it), once.
    save({ migrate: { ...entry, env: { MIGRATE_TO: '42' } } });
    await waitFor('the changed task to run', () => lines('ran').length === 3, 10_000);
    await fourth.event('the changed task to complete', (event) => event.type === 'completed' && event.id === 'migrate');
    fourth.process.kill('SIGINT');
    expect(await fourth.exited).toBe(0);
    expect(lines('ran')).toEqual(['migrate', 'migrate', 'migrate']);
  });
});
