import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { bundleForAnyone } from '../helpers/bundle.js';
import { cliRuns, MAIN, nodeProgram, type Cli } from '../helpers/cli.js';
import { CHILD, waitFor } from '../helpers/real-processes.js';

const { sandbox, start, own } = cliRuns();

const runWithState = (state: string): Cli => start('run', '--json', '--grace', '300', '--state', state, '--', process.execPath, CHILD, '--write', sandbox().path('marker'));

/** What a user is told when a state file cannot be trusted: what was found, and that nothing was started. */
const expectRefused = async (run: Cli, state: string, what: RegExp): Promise<void> => {
  expect(await run.exited).toBe(1);
  expect(run.stderr).toContain(state);
  expect(run.stderr).toMatch(what);
  expect(run.stderr).toContain('none is started');
  expect(run.events()).toEqual([]);
  expect(existsSync(sandbox().path('marker'))).toBe(false);
};

// A snapshot of a live process, as `rxdaemon run --state` writes it; only the pid and start time vary.
const snapshotOf = (pid: number, startTime: string) =>
  JSON.stringify({ version: 1, pid, startTime, bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim(), command: process.execPath, args: [CHILD], env: {} });

describe('rxdaemon run --state F: a state file it cannot trust is refused, saying what it found (finding 11)', () => {
  it('F unreadable (mode 000, rxdaemon run as nobody): exit 1, EACCES named, nothing started', async () => {
    chmodSync(sandbox().dir, 0o755);
    const state = sandbox().path('state.json');
    writeFileSync(state, snapshotOf(process.pid, '1'));
    chmodSync(state, 0o000);
    const cli = bundleForAnyone(MAIN);
    onTestFinished(() => {
      cli.remove();
    });
    const run = own(nodeProgram([cli.path, 'run', '--json', '--state', state, '--', 'sleep', '60'], sandbox().dir, { uid: 65534, gid: 65534 }));
    const code = await run.exited;
    expect({ code, stdout: run.stdout }).toEqual({ code: 1, stdout: '' });
    expect(run.stderr).toContain(`cannot read ${state}: permission denied`);
    expect(run.stderr).toContain('none is started');
  });

  it('F a directory: exit 1, nothing started', async () => {
    const state = sandbox().path('state.d');
    mkdirSync(state);
    await expectRefused(runWithState(state), state, /it is a directory/);
  });

  it('F a symlink, even to a good state file: exit 1, and the link and its target are left as they were', async () => {
    const target = sandbox().path('elsewhere.json');
    writeFileSync(target, snapshotOf(process.pid, '1'));
    const state = sandbox().path('state.json');
    symlinkSync(target, state);
    await expectRefused(runWithState(state), state, /it is a symlink/);
    expect(lstatSync(state).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe(snapshotOf(process.pid, '1'));
  });

  it('F not JSON: exit 1, saying so', async () => {
    const state = sandbox().path('state.json');
    writeFileSync(state, '{"version":1,"pid":');
    await expectRefused(runWithState(state), state, /is not JSON/);
  });

  it('F JSON but not a snapshot: exit 1, naming the bad field', async () => {
    const state = sandbox().path('state.json');
    writeFileSync(state, JSON.stringify({ version: 1, pid: 'x' }));
    await expectRefused(runWithState(state), state, /cannot be adopted: invalid snapshot: `pid`/);
  });

  it('F a good snapshot of a process that is gone: a note, then a fresh start, recorded in F', async () => {
    const state = sandbox().path('state.json');
    // A pid above pid_max's ceiling has never run.
    writeFileSync(state, snapshotOf(4_194_304, '1'));
    const run = runWithState(state);
    const started = await run.event('the fresh start', (e) => e.type === 'started');
    sandbox().own(started.type === 'started' ? started.pid : -1);
    expect(run.stderr).toMatch(/not adopting what .*state\.json records: .*; starting afresh/);
    await waitFor('F to record the new process', () => started.type === 'started' && readFileSync(state, 'utf8').includes(`"pid":${started.pid},`));
    run.process.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(existsSync(state)).toBe(false);
  });
});
