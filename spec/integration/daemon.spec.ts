import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { readProcStat } from '../../lib/process/proc-stat.js';
import { fastRestarts } from '../helpers/policy.js';
import { child, is, isAlive, nextEvent, openFds, readIfThere, sandboxPerTest, waitFor, zombieChildren } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();

/** How many whole lines a file holds: a --heartbeat file's beats. */
const beats = (path: string): number => (readIfThere(path) ?? '').split('\n').length - 1;

describe('a supervised real process', () => {
  it('sees its id and token in its environment, with the rest of the supervisor’s', async () => {
    const envFile = sandbox().path('env.json');
    process.env.RXDAEMON_SPEC_MARK = 'inherited';
    process.env.RXDAEMON_TOKEN = 'outer-token-must-not-leak';
    try {
      const daemon = new Daemon({ ...child('--env-to', envFile), env: { EXTRA: 'yes' }, id: 'web', token: 'tok' });
      sandbox().track(daemon);
      daemon.start();
      await waitFor('the env file', () => existsSync(envFile) && readFileSync(envFile, 'utf8').length > 0);
      const env = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
      expect(env).toMatchObject({ RXDAEMON_ID: 'web', RXDAEMON_TOKEN: 'tok', EXTRA: 'yes', RXDAEMON_SPEC_MARK: 'inherited' });
    } finally {
      delete process.env.RXDAEMON_SPEC_MARK;
      delete process.env.RXDAEMON_TOKEN;
    }
  });

  it('is restarted after it exits, and the pid file follows each new pid, then is gone after stop', async () => {
    const pidFile = sandbox().path('d.pid');
    const daemon = new Daemon(child('--exit-after', '100'), { pidFile, restart: fastRestarts });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const pids: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const started = await nextEvent(events$, is('started', (e) => e.attempt === attempt));
      pids.push(started.pid);
      await waitFor(`the pid file to hold ${started.pid}`, () => readIfThere(pidFile) === `${started.pid}\n`);
    }
    expect(new Set(pids).size).toBe(3);
    expect(statSync(pidFile).mode & 0o777).toBe(0o600);
    await daemon.stop();
    expect(existsSync(pidFile)).toBe(false);
    expect(pids.some(isAlive)).toBe(false);
  });

  it('stops gracefully: SIGINT lets the child clean up', async () => {
    const marker = sandbox().path('marker');
    const daemon = new Daemon(child('--write', marker));
    const events$ = sandbox().track(daemon);
    daemon.start();
    await waitFor('the marker', () => existsSync(marker));
    await daemon.stop();
    expect(existsSync(marker)).toBe(false);
    const all = await firstValueFrom(events$.pipe(toArray()));
    expect(all.map((e) => e.type)).toEqual(['spawning', 'started', 'ready', 'stopping', 'exited', 'stopped']);
    expect(all.find(is('exited'))).toMatchObject({ code: 0, signal: null, requested: true });
  });

  it('kills a child that ignores SIGINT after the grace period; it writes nothing afterwards', async () => {
    const beat = sandbox().path('beat');
    // A witness beats as the child does and runs on: its beats after the stop are the time in which the child, alive, would have beaten too.
    const witness = sandbox().path('witness');
    const witnessing = new Daemon(child('--heartbeat', witness));
    sandbox().track(witnessing);
    witnessing.start();
    const daemon = new Daemon(child('--on-sigint', 'ignore', '--heartbeat', beat), { gracefulStopMs: 300 });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const { pid } = await nextEvent(events$, is('started'));
    await waitFor('a heartbeat', () => beats(beat) > 0);
    const asked = Date.now();
    await daemon.stop();
    const took = Date.now() - asked;
    expect(took).toBeGreaterThanOrEqual(300);
    expect(isAlive(pid)).toBe(false);
    const all = await firstValueFrom(events$.pipe(toArray()));
    expect(all.map((e) => e.type).slice(-4)).toEqual(['stopping', 'killing', 'exited', 'stopped']);
    expect(all.find(is('exited'))).toMatchObject({ code: null, signal: 'SIGKILL' });
    const after = readFileSync(beat, 'utf8');
    const witnessed = beats(witness);
    await waitFor('two more beats of the witness', () => beats(witness) >= witnessed + 2);
    expect(readFileSync(beat, 'utf8')).toBe(after);
  });

  it('takes the grandchildren with it on stop (process group)', async () => {
    const grandchildFile = sandbox().path('grandchild');
    const daemon = new Daemon(child('--grandchild', grandchildFile));
    const events$ = sandbox().track(daemon);
    daemon.start();
    const { pid } = await nextEvent(events$, is('started'));
    await waitFor('the grandchild', () => (readIfThere(grandchildFile) ?? '').endsWith('\n'));
    const grandchild = sandbox().own(Number(readFileSync(grandchildFile, 'utf8')));
    expect(isAlive(grandchild)).toBe(true);
    await daemon.stop();
    expect(isAlive(pid)).toBe(false);
    await waitFor('the grandchild to be gone', () => !isAlive(grandchild), 2_000);
  });

  it('leaves the grandchildren alone when killProcessGroup is off', async () => {
    const grandchildFile = sandbox().path('grandchild');
    const daemon = new Daemon(child('--grandchild', grandchildFile), { killProcessGroup: false });
    sandbox().track(daemon);
    daemon.start();
    await waitFor('the grandchild', () => (readIfThere(grandchildFile) ?? '').endsWith('\n'));
    const grandchild = sandbox().own(Number(readFileSync(grandchildFile, 'utf8')));
    // Beating, its SIGINT handler is in place: a SIGINT of the stop would end it before its second beat after.
    await waitFor('a beat of the grandchild', () => beats(`${grandchildFile}.beat`) > 0);
    await daemon.stop();
    const beaten = beats(`${grandchildFile}.beat`);
    await waitFor('two more beats of the grandchild', () => beats(`${grandchildFile}.beat`) >= beaten + 2);
    expect(isAlive(grandchild)).toBe(true);
  });

  it('runs in its own session: its sid and pgrp equal its pid', async () => {
    const statFile = sandbox().path('stat.json');
    const daemon = new Daemon(child('--stat-to', statFile));
    const events$ = sandbox().track(daemon);
    daemon.start();
    const { pid } = await nextEvent(events$, is('started'));
    await waitFor('the stat file', () => (readIfThere(statFile) ?? '').endsWith('}'));
    expect(JSON.parse(readFileSync(statFile, 'utf8'))).toEqual({ pid, sid: pid, pgrp: pid });
    expect(readProcStat(process.pid)?.session).not.toBe(pid);
  });

  it('a missing binary gives spawn-failed events and backoff, not a crash', async () => {
    const daemon = new Daemon({ command: sandbox().path('no-such-binary') }, { restart: consulBackoff({ freeAttempts: 2, baseDelayMs: 20 }) });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const failed = await nextEvent(events$, is('spawn-failed'));
    expect(failed.error).toEqual({ code: 'ENOENT', message: `spawn ${sandbox().path('no-such-binary')}: ${sandbox().path('no-such-binary')} does not exist (ENOENT)` });
    const backoff = await nextEvent(events$, is('backoff'));
    expect(backoff).toMatchObject({ attempt: 3, delayMs: 40 });
    await nextEvent(events$, is('spawn-failed', (e) => e.attempt === 4));
    await daemon.stop();
    expect(daemon.state.status).toBe('stopped');
  });

  it('a cwd that does not exist is a spawn failure too', async () => {
    const daemon = new Daemon({ ...child(), cwd: sandbox().path('nowhere') }, { restart: consulBackoff({ baseDelayMs: 20 }) });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const failed = await nextEvent(events$, is('spawn-failed'));
    expect(failed.error.code).toBe('ENOENT');
  });

  it('an unwritable pid file is a pidfile-error event, and the daemon runs on', async () => {
    // Under a regular file, so even root cannot create it.
    const blocker = sandbox().path('blocker');
    writeFileSync(blocker, '');
    const pidFile = `${blocker}/x.pid`;
    const marker = sandbox().path('marker');
    const daemon = new Daemon(child('--write', marker), { pidFile });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const error = await nextEvent(events$, is('pidfile-error'));
    expect(error.path).toBe(pidFile);
    expect(error.error.code).toBe('ENOTDIR');
    expect(daemon.state.status).toBe('running');
    await daemon.stop();
    expect(existsSync(marker)).toBe(false);
  });

  it('writes stdout and stderr to files (0600) that the child keeps writing after the supervisor lets go', async () => {
    const stdout = sandbox().path('out.log');
    const stderr = sandbox().path('err.log');
    const daemon = new Daemon(child('--print', 'hello'), { stdout: { file: stdout }, stderr: { file: stderr } });
    const events$ = sandbox().track(daemon);
    daemon.start();
    await nextEvent(events$, is('started'));
    await waitFor('output', () => (readIfThere(stdout) ?? '').includes('hello') && (readIfThere(stderr) ?? '').includes('err:hello'));
    expect(statSync(stdout).mode & 0o777).toBe(0o600);
    daemon.close();
    const before = readFileSync(stdout, 'utf8').length;
    await waitFor('more output after close', () => readFileSync(stdout, 'utf8').length > before + 20);
  });

  it('appends to an existing stdout file rather than truncating it', async () => {
    const stdout = sandbox().path('out.log');
    const daemon = new Daemon(child('--print', 'again', '--exit-after', '50'), { stdout: { file: stdout }, restart: fastRestarts });
    const events$ = sandbox().track(daemon);
    daemon.start();
    await nextEvent(events$, is('started', (e) => e.attempt === 3));
    await daemon.stop();
    const runs = readFileSync(stdout, 'utf8')
      .split('\n')
      .filter((line) => line === 'again');
    expect(runs.length).toBeGreaterThanOrEqual(2);
  });

  it('after 200 crash cycles: no zombie, no growth in open file descriptors', async () => {
    const stdout = sandbox().path('out.log');
    const cycle = async (count: number) => {
      const daemon = new Daemon({ command: '/bin/true' }, { restart: fastRestarts, stdout: { file: stdout }, pidFile: sandbox().path('t.pid') });
      const events$ = sandbox().track(daemon);
      daemon.start();
      await nextEvent(events$, is('exited', () => daemon.state.attempt >= count), 20_000);
      await daemon.stop();
    };
    await cycle(5); // warm up: libuv opens its signal pipe with the first child
    const fdsBefore = openFds();
    await cycle(200);
    await waitFor('no zombie children', () => zombieChildren().length === 0, 2_000);
    expect(openFds()).toBe(fdsBefore);
  });
});
