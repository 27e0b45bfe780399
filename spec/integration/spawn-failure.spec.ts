import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../lib/command.js';
import { Daemon } from '../../lib/daemon/daemon.js';
import { isTerminal } from '../../lib/events.js';
import type { DaemonOptions } from '../../lib/options.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { child, is, nextEvent, sandboxPerTest } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();

/**
 * The error of the first `spawn-failed` of a daemon that is not restarted,
 * once it has given up with it: a run that never started cannot complete
 * (issue 15, item 8; it used to end with `completed`, code and signal null).
 */
const failureOf = async (command: Command, options: DaemonOptions = {}): Promise<{ code: string; message: string }> => {
  const daemon = new Daemon(command, { restart: noRestart, ...options });
  const events$ = sandbox().track(daemon);
  daemon.start();
  const failed = await nextEvent(events$, is('spawn-failed'));
  expect(await nextEvent(events$, isTerminal)).toMatchObject({ type: 'gave-up', attempts: 1, reason: 'spawn-failed', error: failed.error });
  expect(daemon.state).toMatchObject({ status: 'gave-up', cause: `gave up after a failed spawn; last: spawn failed: ${failed.error.message}` });
  return failed.error;
};

const file = (name: string, text: string, mode: number): string => {
  const path = sandbox().path(name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
};

describe('spawn-failed names the real cause (finding 12)', () => {
  it('a program that is not in PATH: the PATH searched (the child’s own)', async () => {
    const error = await failureOf({ command: 'rxdaemon-no-such-program', env: { PATH: '/nonexistent/a:/nonexistent/b' } });
    expect(error).toEqual({ code: 'ENOENT', message: 'spawn rxdaemon-no-such-program: rxdaemon-no-such-program is not in PATH (searched: /nonexistent/a:/nonexistent/b) (ENOENT)' });
  });

  it('a program path that does not exist', async () => {
    const missing = sandbox().path('bin/missing');
    expect(await failureOf({ command: missing })).toEqual({ code: 'ENOENT', message: `spawn ${missing}: ${missing} does not exist (ENOENT)` });
  });

  it('a program that is not executable', async () => {
    const script = file('script.sh', '#!/bin/sh\nexit 0\n', 0o644);
    expect(await failureOf({ command: script })).toEqual({ code: 'EACCES', message: `spawn ${script}: ${script} is not executable (mode 0644) (EACCES)` });
  });

  it('a program that is a directory', async () => {
    const dir = sandbox().path('a-dir');
    mkdirSync(dir);
    expect((await failureOf({ command: dir })).message).toBe(`spawn ${dir}: ${dir} is a directory (EACCES)`);
  });

  it('a script whose #! interpreter does not exist', async () => {
    const script = file('script.sh', '#!/nonexistent/interpreter -x\nexit 0\n', 0o755);
    expect(await failureOf({ command: script })).toEqual({
      code: 'ENOENT',
      message: `spawn ${script}: its interpreter /nonexistent/interpreter (the #! line of ${script}) does not exist (ENOENT)`,
    });
  });

  it('a cwd that does not exist', async () => {
    const cwd = sandbox().path('nowhere');
    expect(await failureOf({ command: 'sleep', args: ['1'], cwd })).toEqual({ code: 'ENOENT', message: `spawn sleep: its working directory ${cwd} does not exist (ENOENT)` });
  });

  it('a cwd that is a file', async () => {
    const cwd = file('not-a-dir', '', 0o644);
    expect((await failureOf({ command: 'sleep', args: ['1'], cwd })).message).toBe(`spawn sleep: its working directory ${cwd} is not a directory (ENOTDIR)`);
  });

  it('a missing directory of the stdout file', async () => {
    const out = sandbox().path('no-dir/out.log');
    expect(await failureOf({ command: 'sleep', args: ['1'] }, { stdout: { file: out } })).toEqual({
      code: 'ENOENT',
      message: `spawn sleep: the directory of its stdout file ${out}, ${sandbox().path('no-dir')} does not exist (ENOENT)`,
    });
  });

  it('a stderr file that is a directory', async () => {
    const err = sandbox().path('err.log');
    mkdirSync(err);
    expect((await failureOf(child(), { stderr: { file: err } })).message).toBe(`spawn ${process.execPath}: its stderr file: cannot append to ${err}: it is a directory (EISDIR)`);
  });

  it('never holds the token or a variable’s value', async () => {
    const error = await failureOf({ command: 'rxdaemon-no-such-program', env: { API_KEY: 'hunter2' }, token: 'tok-s3cret', cwd: sandbox().path('gone') });
    expect(error.message).toContain('its working directory');
    expect(error.message).not.toMatch(/hunter2|tok-s3cret/);
  });
});
