import { readFileSync, statSync } from 'node:fs';
import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { defaultDriver, execaDriver } from '../../lib/process/default-driver.js';
import type { ProcessDriver } from '../../lib/process/driver.js';
import { child, is, nextEvent, readIfThere, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();

// Both launchers must give a daemon the same process: what differs is only how it is created.
describe.each([
  ['node child_process (default)', defaultDriver()],
  ['execa', await execaDriver()],
] as [string, ProcessDriver][])('the %s driver', (_, driver) => {
  it('gives the child the supervisor’s env, the command’s, the id and token, and drops inherited ones', async () => {
    const envFile = sandbox().path('env.json');
    process.env.RXDAEMON_SPEC_MARK = 'inherited';
    process.env.RXDAEMON_ID = 'outer-id';
    try {
      const daemon = new Daemon({ ...child('--env-to', envFile), env: { EXTRA: 'yes' }, token: 'tok' }, { driver });
      sandbox().track(daemon);
      daemon.start();
      await waitFor('the env file', () => (readIfThere(envFile) ?? '').endsWith('}'));
      const env = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
      expect(env).toMatchObject({ RXDAEMON_TOKEN: 'tok', EXTRA: 'yes', RXDAEMON_SPEC_MARK: 'inherited' });
      expect(env.RXDAEMON_ID).toBeUndefined();
    } finally {
      delete process.env.RXDAEMON_SPEC_MARK;
      delete process.env.RXDAEMON_ID;
    }
  });

  it('runs the child in its own session, with stdout and stderr appended to 0600 files', async () => {
    const statFile = sandbox().path('stat.json');
    const stdout = sandbox().path('out.log');
    const stderr = sandbox().path('err.log');
    const daemon = new Daemon(child('--stat-to', statFile, '--print', 'hi'), { driver, stdout: { file: stdout }, stderr: { file: stderr } });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const { pid } = await nextEvent(events$, is('started'));
    await waitFor('the stat file', () => (readIfThere(statFile) ?? '').endsWith('}'));
    expect(JSON.parse(readFileSync(statFile, 'utf8'))).toEqual({ pid, sid: pid, pgrp: pid });
    await waitFor('output', () => (readIfThere(stdout) ?? '').includes('hi') && (readIfThere(stderr) ?? '').includes('err:hi'));
    expect(statSync(stderr).mode & 0o777).toBe(0o600);
  });

  it('reports an exit code, and a death by signal with no code', async () => {
    const coded = new Daemon(child('--exit', '3'), { driver, restart: noRestart });
    const codedEvents = sandbox().track(coded);
    coded.start();
    expect(await nextEvent(codedEvents, is('exited'))).toMatchObject({ code: 3, signal: null });
    const killed = new Daemon(child(), { driver, restart: noRestart });
    const killedEvents = sandbox().track(killed);
    killed.start();
    const { pid } = await nextEvent(killedEvents, is('started'));
    process.kill(pid, 'SIGTERM');
    expect(await nextEvent(killedEvents, is('exited'))).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect((await firstValueFrom(killedEvents.pipe(toArray()))).at(-1)).toMatchObject({ type: 'completed', signal: 'SIGTERM' });
  });

  it('a missing binary, a missing cwd and an unopenable stdout file are spawn failures that end in gave-up, not crashes', async () => {
    const cases = [
      [{ command: sandbox().path('missing') }, {}, 'ENOENT'],
      [{ ...child(), cwd: sandbox().path('nowhere') }, {}, 'ENOENT'],
      [child(), { stdout: { file: sandbox().path('no-dir/out.log') } }, 'ENOENT'],
    ] as const;
    for (const [command, options, code] of cases) {
      const daemon = new Daemon(command, { driver, restart: noRestart, ...options });
      const events$ = sandbox().track(daemon);
      daemon.start();
      expect((await nextEvent(events$, is('spawn-failed'))).error.code).toBe(code);
      // A run that never started cannot complete: its end says why.
      expect(await nextEvent(events$, is('gave-up'))).toMatchObject({ reason: 'spawn-failed', error: { code } });
    }
  });
});
