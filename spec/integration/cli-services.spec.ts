import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DaemonEvent } from '../../lib/events.js';
import { cliRuns, type Cli } from '../helpers/cli.js';
import { child, isAlive, readIfThere, waitFor } from '../helpers/real-processes.js';

// Every service option of a config, and every flag of `run`, as the
// processes they run see them: the signal a child gets, how long it is
// given, and how the command line ends.

const { sandbox, start, eventsOf, started } = cliRuns();

const one = <K extends DaemonEvent['type']>(run: Cli, type: K, id?: string): Extract<DaemonEvent, { type: K }> => {
  const found = eventsOf(run).filter((event): event is Extract<DaemonEvent, { type: K }> => event.type === type && (id === undefined || event.id === id));
  expect(found, `one ${type}${id === undefined ? '' : ` of ${id}`}`).toHaveLength(1);
  return found[0] as Extract<DaemonEvent, { type: K }>;
};

/**
 * A child that ignores SIGINT, the default stop signal (SIGTERM kills it:
 * node's default action), and writes its pid to `marker` once it does:
 * before that, a SIGINT would still kill it.
 */
const deafToSigint = (marker: string) => child('--on-sigint', 'ignore', '--write', sandbox().path(marker));
const listening = async (...markers: string[]): Promise<void> => {
  await waitFor(`${markers.join(', ')} to ignore SIGINT`, () => markers.every((marker) => readIfThere(sandbox().path(marker))?.endsWith('\n') === true), 10_000);
};

describe('rxdaemon manage: each service is stopped with the signal and grace of its config entry', () => {
  it('stopSignal SIGTERM ends a SIGINT-deaf child at once; gracefulStopMs 300 SIGKILLs another after 300 ms, not the default 5 s', async () => {
    const config = sandbox().path('daemons.json');
    writeFileSync(config, JSON.stringify({ daemons: { term: { ...deafToSigint('term.pid'), stopSignal: 'SIGTERM' }, stubborn: { ...deafToSigint('stubborn.pid'), gracefulStopMs: 300 } } }));
    const run = start('manage', '--json', '--config', config, '--data-dir', sandbox().path('data'));
    const pids = [await started(run, 'term'), await started(run, 'stubborn')];
    await listening('term.pid', 'stubborn.pid');
    const began = Date.now();
    run.process.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(Date.now() - began).toBeLessThan(4_000);
    expect(pids.filter(isAlive)).toEqual([]);

    expect(one(run, 'stopping', 'term').signal).toBe('SIGTERM');
    expect(one(run, 'exited', 'term')).toMatchObject({ signal: 'SIGTERM', requested: true });
    expect(eventsOf(run).some((event) => event.type === 'killing' && event.id === 'term')).toBe(false);

    const stopping = one(run, 'stopping', 'stubborn');
    const killing = one(run, 'killing', 'stubborn');
    expect(stopping.signal).toBe('SIGINT');
    expect(killing.at - stopping.at).toBeGreaterThanOrEqual(300);
    expect(killing.at - stopping.at).toBeLessThan(2_000);
    expect(one(run, 'exited', 'stubborn')).toMatchObject({ signal: 'SIGKILL', requested: true });
  });

  it('a SIGHUP with the same config, reformatted, restart entries and all, replaces nothing; a changed stopSignal replaces its service alone; a relative output file is beside the config', async () => {
    // Not in the manager's cwd: a relative output file is found beside the config.
    mkdirSync(sandbox().path('etc'));
    const config = sandbox().path('etc/daemons.json');
    const daemons = {
      a: { ...deafToSigint('a.pid'), gracefulStopMs: 300, restart: { policy: 'consul', when: 'on-failure', maxRestarts: 5, withinMs: 60_000 } },
      b: { ...child(), restart: { policy: 'exponential', baseDelayMs: 100, factor: 3 }, stdout: { file: 'b.log' } },
    };
    writeFileSync(config, JSON.stringify({ daemons }));
    const run = start('manage', '--json', '--config', config, '--data-dir', sandbox().path('data'));
    const [a, b] = [await started(run, 'a'), await started(run, 'b')];
    await listening('a.pid');
    expect(existsSync(sandbox().path('etc/b.log'))).toBe(true);
    expect(existsSync(sandbox().path('b.log'))).toBe(false);

    writeFileSync(config, `${JSON.stringify({ daemons: { b: daemons.b, a: daemons.a } }, null, 2)}\n`);
    run.process.kill('SIGHUP');
    await waitFor('the note', () => run.stderr.includes('unchanged'));
    expect(run.stderr).toBe(`rxdaemon: SIGHUP: ${config} is unchanged; nothing to do\n`);

    writeFileSync(config, JSON.stringify({ daemons: { a: { ...daemons.a, stopSignal: 'SIGTERM' }, b: daemons.b } }));
    const a2 = await run.event('the new a', (e) => e.type === 'started' && e.id === 'a' && e.pid !== a);
    const reconcile = await run.event('the reconcile', (e) => e.type === 'reconcile' && e.replaced.length > 0);
    expect(reconcile).toMatchObject({ replaced: ['a'], unchanged: 1 });
    sandbox().own(a2.type === 'started' ? a2.pid : -1);
    await waitFor('the new a to ignore SIGINT', () => readIfThere(sandbox().path('a.pid')) === `${a2.type === 'started' ? a2.pid : -1}\n`, 10_000);
    expect(isAlive(a)).toBe(false);
    expect(isAlive(b)).toBe(true);
    expect(eventsOf(run).filter((event) => event.type === 'started' && event.id === 'b')).toHaveLength(1);

    run.process.kill('SIGINT');
    expect(await run.exited).toBe(0);
    // The old `a` got SIGINT, ignored it and was killed after its 300 ms; the new one got SIGTERM and died of it.
    const ends = eventsOf(run).flatMap((event) => (event.id === 'a' && (event.type === 'stopping' || event.type === 'killing' || event.type === 'exited') ? [`${event.type} ${event.signal ?? ''}`] : []));
    expect(ends).toEqual(['stopping SIGINT', 'killing SIGKILL', 'exited SIGKILL', 'stopping SIGTERM', 'exited SIGTERM']);
  });
});

describe('rxdaemon run: the flags of its daemon', () => {
  it('--stop-signal SIGTERM: a SIGINT-deaf child ends at once of SIGTERM, and run exits 0', async () => {
    const deaf = deafToSigint('run.pid');
    const run = start('run', '--json', '--stop-signal', 'SIGTERM', '--', deaf.command, ...deaf.args);
    const pid = await started(run);
    await listening('run.pid');
    run.process.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(one(run, 'stopping').signal).toBe('SIGTERM');
    expect(one(run, 'exited')).toMatchObject({ signal: 'SIGTERM', requested: true });
    expect(eventsOf(run).some((event) => event.type === 'killing')).toBe(false);
  });

  it('--restart never: a run that exits 0 ends with completed and exit 0; one that exits 3, with completed and exit 1', async () => {
    const clean = start('run', '--json', '--restart', 'never', '--', process.execPath, ...child('--exit', '0').args);
    expect(await clean.exited).toBe(0);
    expect(eventsOf(clean).filter((event) => event.type === 'spawning')).toHaveLength(1);
    expect(eventsOf(clean).at(-1)?.type).toBe('completed');
    expect(one(clean, 'completed')).toMatchObject({ code: 0, signal: null });

    const failed = start('run', '--json', '--restart', 'never', '--', process.execPath, ...child('--exit', '3').args);
    expect(await failed.exited).toBe(1);
    expect(one(failed, 'completed')).toMatchObject({ code: 3, signal: null });
    expect(one(failed, 'started').attempt).toBe(1);
  });

  it('--restart on-failure restarts a failure and completes on exit 0', async () => {
    const flag = sandbox().path('failed-once');
    // Fails once (the flag file is not there yet), then succeeds.
    const script = `const fs = require('node:fs'); if (fs.existsSync(${JSON.stringify(flag)})) process.exit(0); fs.writeFileSync(${JSON.stringify(flag)}, ''); process.exit(4);`;
    const run = start('run', '--json', '--restart', 'on-failure', '--', process.execPath, '-e', script);
    expect(await run.exited).toBe(0);
    expect(eventsOf(run).flatMap((event) => (event.type === 'exited' ? [event.code] : []))).toEqual([4, 0]);
    expect(one(run, 'completed').code).toBe(0);
  });

  it('--max-restarts 2 --within 60000: a crash loop gives up after its third spawn (restarts-exhausted), and run exits 1', async () => {
    const run = start('run', '--json', '--max-restarts', '2', '--within', '60000', '--', process.execPath, ...child('--exit', '1').args);
    expect(await run.exited).toBe(1);
    expect(eventsOf(run).filter((event) => event.type === 'started')).toHaveLength(3);
    expect(one(run, 'gave-up')).toMatchObject({ reason: 'restarts-exhausted' });
  });

  it.each([
    [['--stop-signal', 'TERM'], "--stop-signal takes a signal name such as 'SIGTERM', got 'TERM'"],
    [['--restart', 'sometimes'], "--restart takes 'always', 'on-failure' or 'never', got 'sometimes'"],
    [['--max-restarts', '3'], '--max-restarts N needs --within MS'],
    [['--grace', '2147483648'], "--grace takes an integer number of ms between 0 and 2147483647, got '2147483648'"],
    [['--stdout', ''], "--stdout takes a file, 'inherit' or 'ignore', got ''"],
  ])('%j is a usage error (exit 2) naming the flag, and nothing is started', async (flags, message) => {
    const run = start('run', '--json', ...flags, '--', process.execPath, ...child('--write', sandbox().path('never')).args);
    expect(await run.exited).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });
});
