import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { lockHolder } from '../../lib/manager/lock.js';
import { defaultDriver } from '../../lib/process/default-driver.js';
import { cliRuns, cliToEnd } from '../helpers/cli.js';
import { child, CHILD, isAlive, waitFor } from '../helpers/real-processes.js';

const { sandbox, start } = cliRuns();

const pidOf = (event: ManagerEvent): number => sandbox().own(event.type === 'started' || event.type === 'adopted' ? event.pid : -1);
const config = (daemons: Record<string, unknown>): string => {
  const path = sandbox().path('daemons.json');
  writeFileSync(path, JSON.stringify({ daemons }));
  return path;
};

describe('rxdaemon: usage', () => {
  it('prints help and exits 0', async () => {
    const { code, stdout } = await cliToEnd(['--help'], sandbox().dir);
    expect(code).toBe(0);
    expect(stdout).toContain('rxdaemon run');
    expect(stdout).toContain('Exit codes');
  });

  it.each([
    [['bogus'], "unknown command 'bogus'"],
    [[], 'a command is required'],
    [['run', '--grace', 'soon', '--', 'true'], "--grace takes an integer number of ms between 0 and 2147483647, got 'soon'"],
    [['run'], 'run needs a command'],
    [['run', '--no-such-flag', '--', 'true'], "Unknown option '--no-such-flag'"],
    [['manage', '--config', '', '--data-dir', 'd'], "--config takes a file, got ''"],
    // Without --config, the data dir's services.json, which is not there: a config error, said with its path.
    [['manage', '--data-dir', 'd'], 'cannot read the config d/services.json'],
  ])('exits 2 for %j, saying why', async (args, message) => {
    const { code, stderr } = await cliToEnd(args, sandbox().dir);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('exits 2 for a config that is not valid, naming the field', async () => {
    const path = config({ web: { command: 42 } });
    const { code, stderr } = await cliToEnd(['manage', '--config', path, '--data-dir', sandbox().path('data')], sandbox().dir);
    expect(code).toBe(2);
    expect(stderr).toContain('daemons.web.command');
  });

  it('--help after -- belongs to the daemon’s command', async () => {
    const run = start('run', '--json', '--', process.execPath, CHILD, '--help', 'x');
    await run.event('the start', (e) => e.type === 'started');
    run.process.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});

describe('rxdaemon run', () => {
  it('with --state and --keep-on-exit, leaves the process running; the next run adopts it; SIGINT stops it', async () => {
    const state = sandbox().path('state.json');
    const marker = sandbox().path('marker');
    const first = start('run', '--json', '--state', state, '--keep-on-exit', '--pid-file', sandbox().path('d.pid'), '--', process.execPath, CHILD, '--write', marker);
    const pid = pidOf(await first.event('the start', (e) => e.type === 'started'));
    await waitFor('the state file', () => existsSync(state));
    expect(statSync(state).mode & 0o777).toBe(0o600);
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(isAlive(pid)).toBe(true);
    expect(readFileSync(sandbox().path('d.pid'), 'utf8')).toBe(`${pid}\n`);

    const second = start('run', '--json', '--state', state, '--', process.execPath, CHILD, '--write', marker);
    const adopted = await second.event('the adoption', (e) => e.type === 'adopted');
    expect(pidOf(adopted)).toBe(pid);
    second.process.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(state)).toBe(false);
  });

  it('prints readable lines without --json', async () => {
    const run = start('run', '--grace', '200', '--', process.execPath, CHILD);
    await waitFor('a started line', () => /\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d started pid \d+ \(attempt 1\)/.test(run.stdout));
    run.process.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.stdout).toMatch(/sent SIGINT to pid \d+/);
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/stopped$/);
  });
});

describe('rxdaemon manage and status', () => {
  it('without --config runs the data dir’s services.json', async () => {
    const dataDir = sandbox().path('data');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(`${dataDir}/services.json`, JSON.stringify({ daemons: { web: child() } }));
    const run = start('manage', '--data-dir', dataDir, '--json');
    pidOf(await run.event('web started', (event) => event.type === 'started' && event.id === 'web'));
    run.process.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });

  it('survives SIGTERM with --keep-on-exit; the next manager adopts the same pids; status lists them; a second manager is refused; SIGTERM without it leaves nothing', async () => {
    const data = sandbox().path('data');
    const path = config({ web: child('--print', 'web'), api: child() });
    const first = start('manage', '--json', '--keep-on-exit', '--config', path, '--data-dir', data);
    const pids = new Map<string, number>();
    for (const id of ['web', 'api']) pids.set(id, pidOf(await first.event(id, (e) => e.type === 'started' && e.id === id)));
    await first.event('a snapshot of both', (e) => e.type === 'snapshot-written' && e.daemons === 2);
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect([...pids.values()].every(isAlive)).toBe(true);

    const second = start('manage', '--json', '--config', path, '--data-dir', data);
    const restored = await second.event('the restore', (e) => e.type === 'restored');
    await second.event('the new manager’s snapshot of both', (e) => e.type === 'snapshot-written' && e.daemons === 2);
    expect(restored.type === 'restored' && [...restored.adopted].sort()).toEqual(['api', 'web']);
    for (const [id, pid] of pids) {
      const adopted = second.events().find((e) => e.type === 'adopted' && e.id === id) ?? (await second.event(`${id} adopted`, (e) => e.type === 'adopted' && e.id === id));
      expect(pidOf(adopted)).toBe(pid);
    }

    const { code: statusCode, stdout: statusOut } = await cliToEnd(['status', '--json', '--data-dir', data], sandbox().dir);
    expect(statusCode).toBe(0);
    const lines = statusOut
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; pid: number; status: string });
    expect(lines.map(({ id, pid, status }) => [id, pid, status]).sort()).toEqual([
      ['api', pids.get('api'), 'running'],
      ['web', pids.get('web'), 'running'],
    ]);
    const human = await cliToEnd(['status', '--data-dir', data], sandbox().dir);
    expect(human.stdout).toMatch(new RegExp(`^web +running +${pids.get('web') ?? 0} `, 'm'));

    const snapshotBefore = readFileSync(`${data}/snapshot.json`, 'utf8');
    const lockFiles = () => readdirSync(`${data}/lock.d`).map((name) => [name, readFileSync(`${data}/lock.d/${name}`, 'utf8')]);
    const lockBefore = lockFiles();
    const refused = await cliToEnd(['manage', '--config', path, '--data-dir', data], sandbox().dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('in use by a running manager');
    expect(readFileSync(`${data}/snapshot.json`, 'utf8')).toBe(snapshotBefore);
    expect(lockFiles()).toEqual(lockBefore);
    expect([...pids.values()].every(isAlive)).toBe(true);

    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect([...pids.values()].some(isAlive)).toBe(false);
    expect(lockHolder(`${data}/lock`, defaultDriver().processes)).toEqual({ _tag: 'Right', right: undefined });
  });

  it('reloads its config when it changes and on SIGHUP; an invalid config is reported and the running set kept', async () => {
    const path = config({ a: child() });
    const run = start('manage', '--json', '--config', path, '--data-dir', sandbox().path('data'));
    const a = pidOf(await run.event('a', (e) => e.type === 'started' && e.id === 'a'));

    config({ a: child(), b: child() });
    pidOf(await run.event('b after the file changed', (e) => e.type === 'started' && e.id === 'b'));

    writeFileSync(path, '{ "daemons": { "a": { "command": 7 } } }');
    run.process.kill('SIGHUP');
    await waitFor('the invalid config to be reported', () => run.stderr.includes('invalid config'));
    expect(run.stderr).toContain('keeping the running set');

    config({ a: child() });
    run.process.kill('SIGHUP');
    await run.event('b to stop', (e) => e.type === 'stopped' && e.id === 'b');
    expect(isAlive(a)).toBe(true);
    run.process.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(isAlive(a)).toBe(false);
  });
});
