import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import type { DaemonEvent } from '../../lib/events.js';
import { child, is, isAlive, nextEvent, readIfThere, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();

const PARENT = fileURLToPath(new URL('../fixtures/parent.ts', import.meta.url));

type Logged = DaemonEvent & { parent: number };

/** Starts a parent supervisor in its own process group and returns its pid. */
const startParent = (dir: string, ...childArgs: string[]): number => {
  const parent = spawn(process.execPath, ['--import', 'tsx', PARENT, dir, ...childArgs], { detached: true, stdio: 'ignore' });
  parent.unref();
  return sandbox().own(parent.pid ?? -1);
};

const loggedEvents = (dir: string): Logged[] =>
  (readIfThere(`${dir}/events.jsonl`) ?? '')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Logged);

const waitForEvent = async (dir: string, what: string, match: (event: Logged) => boolean, deadlineMs = 10_000): Promise<Logged> => {
  await waitFor(what, () => loggedEvents(dir).some(match), deadlineMs);
  const found = loggedEvents(dir).find(match);
  if (found === undefined) throw new Error(`lost ${what}`);
  return found;
};

describe('snapshot and restore in one supervisor', () => {
  it('adopts the same pid after close(), and stop() ends it with its cleanup', async () => {
    const marker = sandbox().path('marker');
    const first = new Daemon({ ...child('--write', marker), id: 'a', token: 'tok' });
    const events$ = sandbox().track(first);
    first.start();
    const { pid } = await nextEvent(events$, is('started'));
    await waitFor('the marker', () => existsSync(marker));
    const snapshot = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
    first.close();
    expect(isAlive(pid)).toBe(true);

    const restored = Daemon.restore(snapshot, { token: 'tok', pollIntervalMs: 100 });
    expect(isRight(restored)).toBe(true);
    if (!isRight(restored)) return;
    const again = restored.right;
    const adopted = await nextEvent(sandbox().track(again), is('adopted'));
    expect(adopted.pid).toBe(pid);
    const asked = Date.now();
    await again.stop();
    // P2: an adopted process is polled fast while stopping.
    expect(Date.now() - asked).toBeLessThan(1_000);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  it('a snapshot of a daemon that was then stopped does not restore', async () => {
    const daemon = new Daemon(child());
    const events$ = sandbox().track(daemon);
    daemon.start();
    await nextEvent(events$, is('started'));
    const snapshot = daemon.snapshot();
    await daemon.stop();
    expect(daemon.snapshot()).toBeUndefined();
    const result = Daemon.restore(snapshot);
    expect(isLeft(result) && result.left.code).toBe('EDEAD');
  });

  it('refuses a live pid recorded with another start time, and signals nothing', async () => {
    const marker = sandbox().path('marker');
    const daemon = new Daemon(child('--write', marker));
    const events$ = sandbox().track(daemon);
    daemon.start();
    await nextEvent(events$, is('started'));
    await waitFor('the marker', () => existsSync(marker));
    const snapshot = daemon.snapshot();
    const result = Daemon.restore({ ...snapshot, startTime: '1' });
    expect(isLeft(result) && result.left.code).toBe('EPIDREUSED');
    expect(existsSync(marker)).toBe(true);
  });
});

describe('the supervisor dies, the daemon lives, a new supervisor adopts it', () => {
  it('survives its parent’s whole group being SIGTERMed, and is respawned by the next parent after a kill from outside', async () => {
    const dir = sandbox().dir;
    const parent = startParent(dir, '--print', 'tick');
    const started = await waitForEvent(dir, 'the first parent to start the child', (e) => e.type === 'started');
    const childPid = sandbox().own(started.type === 'started' ? started.pid : -1);
    await waitFor('the snapshot', () => existsSync(`${dir}/snapshot.json`));
    expect(statSync(`${dir}/snapshot.json`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${dir}/snapshot.json`, 'utf8')).not.toContain('parent-token');

    process.kill(-parent, 'SIGTERM');
    await waitFor('the first parent to die', () => !isAlive(parent));
    expect(isAlive(childPid)).toBe(true);
    const logged = readFileSync(`${dir}/child.log`, 'utf8').length;
    await waitFor('the orphaned child to keep writing its log', () => readFileSync(`${dir}/child.log`, 'utf8').length > logged + 20);

    const second = startParent(dir, '--print', 'tick');
    const adopted = await waitForEvent(dir, 'the second parent to adopt', (e) => e.type === 'adopted' && e.parent === second);
    expect(adopted.type === 'adopted' && adopted.pid).toBe(childPid);

    process.kill(childPid, 'SIGKILL');
    const respawned = await waitForEvent(dir, 'the respawn', (e) => e.type === 'started' && e.parent === second);
    const respawnedPid = sandbox().own(respawned.type === 'started' ? respawned.pid : -1);
    expect(respawnedPid).not.toBe(childPid);
    // Without a ready check, each process is ready as soon as it is adopted or started.
    await waitForEvent(dir, 'the respawn to be ready', (e) => e.type === 'ready' && e.parent === second && e.pid === respawnedPid);
    expect(loggedEvents(dir).filter((e) => e.parent === second).map((e) => e.type)).toEqual(['adopted', 'ready', 'exited', 'spawning', 'started', 'ready']);

    process.kill(second, 'SIGINT');
    await waitForEvent(dir, 'the second parent to stop its child', (e) => e.type === 'stopped' && e.parent === second);
    expect(isAlive(respawnedPid)).toBe(false);
  });

  it('survives its parent being SIGKILLed, and the next parent adopts the same pid', async () => {
    const dir = sandbox().dir;
    const parent = startParent(dir);
    const started = await waitForEvent(dir, 'the child', (e) => e.type === 'started');
    const childPid = sandbox().own(started.type === 'started' ? started.pid : -1);
    await waitFor('the snapshot', () => existsSync(`${dir}/snapshot.json`));
    process.kill(parent, 'SIGKILL');
    await waitFor('the parent to die', () => !isAlive(parent));
    expect(isAlive(childPid)).toBe(true);
    const second = startParent(dir);
    const adopted = await waitForEvent(dir, 'the adoption', (e) => e.type === 'adopted' && e.parent === second);
    expect(adopted.type === 'adopted' && adopted.pid).toBe(childPid);
    process.kill(second, 'SIGINT');
    await waitForEvent(dir, 'the stop', (e) => e.type === 'stopped' && e.parent === second);
    expect(isAlive(childPid)).toBe(false);
  });
});
