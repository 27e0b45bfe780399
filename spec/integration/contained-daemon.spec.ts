import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isRight } from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { cgroupScopePerTest, noCgroups } from '../helpers/cgroup.js';
import { child, is, isAlive, nextEvent, readIfThere, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();
const scope = cgroupScopePerTest();

const ESCAPEE = fileURLToPath(new URL('../fixtures/escapee.mjs', import.meta.url));

/** The pids the escapee fixture writes once its escapee runs. */
const escapeePids = async (file: string): Promise<{ daemon: number; escapee: number }> => {
  await waitFor('the escapee', () => readIfThere(file) !== undefined);
  return JSON.parse(readFileSync(file, 'utf8')) as { daemon: number; escapee: number };
};

const procsOf = (dir: string): number[] => readFileSync(`${dir}/cgroup.procs`, 'latin1').split('\n').filter(Boolean).map(Number);

describe.skipIf(noCgroups !== undefined)(`a daemon in its cgroup${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  it('runs its program in the cgroup, says so in started, and stop ends a setsid escapee with it: stopped once the cgroup is empty, long before the grace would end', async () => {
    const dir = scope().service('web');
    const pids = sandbox().path('pids.json');
    const daemon = new Daemon({ command: process.execPath, args: [ESCAPEE, '--pids', pids] }, { cgroup: dir, gracefulStopMs: 20_000 });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const started = await nextEvent(events$, is('started'));
    expect(started.cgroup).toBe(dir);
    const { daemon: leader, escapee } = await escapeePids(pids);
    expect(leader).toBe(started.pid);
    expect(procsOf(dir).sort()).toEqual(expect.arrayContaining([leader, escapee]));
    const asked = Date.now();
    await daemon.stop();
    // The leader exits on SIGINT; the escapee ignores it and is out of the leader's group: only cgroup.kill ends it.
    expect(Date.now() - asked).toBeLessThan(5_000);
    expect(isAlive(escapee)).toBe(false);
    expect(procsOf(dir)).toEqual([]);
  });

  it('a leader that dies unasked takes the rest of its cgroup with it before its exited', async () => {
    const dir = scope().service('web');
    const pids = sandbox().path('pids.json');
    const daemon = new Daemon({ command: process.execPath, args: [ESCAPEE, '--pids', pids] }, { cgroup: dir, restart: noRestart });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const { daemon: leader, escapee } = await escapeePids(pids);
    process.kill(leader, 'SIGKILL');
    const exited = await nextEvent(events$, is('exited'));
    expect(exited.signal).toBe('SIGKILL');
    expect(isAlive(escapee)).toBe(false);
    expect(procsOf(dir)).toEqual([]);
  });

  it('an adopted process in its cgroup: kill -9 is exited within 50 ms though it is polled every 10 s', async () => {
    const dir = scope().service('web');
    const first = new Daemon({ ...child(), id: 'web' }, { cgroup: dir });
    const events$ = sandbox().track(first);
    first.start();
    const { pid } = await nextEvent(events$, is('started'));
    await waitFor('the child in its cgroup', () => procsOf(dir).includes(pid));
    const snapshot = first.snapshot();
    first.close();
    const restored = Daemon.restore(snapshot, { cgroup: dir, pollIntervalMs: 10_000 });
    expect(isRight(restored)).toBe(true);
    if (!isRight(restored)) return;
    const again = restored.right;
    const adoptedEvents$ = sandbox().track(again);
    const adopted = await nextEvent(adoptedEvents$, is('adopted'));
    expect(adopted.cgroup).toBe(dir);
    const exited = nextEvent(adoptedEvents$, is('exited'));
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await exited;
    expect(Date.now() - killedAt).toBeLessThan(50);
    await again.stop();
  });

  it('a program that is missing or not executable is still a spawn-failed naming it, though the join runs it through /bin/sh', async () => {
    const dir = scope().service('web');
    const notExecutable = sandbox().path('script.sh');
    writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
    for (const [command, message] of [
      ['no-such-program-rxd', 'spawn no-such-program-rxd: no-such-program-rxd is not in PATH'],
      [notExecutable, `spawn ${notExecutable}: ${notExecutable} is not executable (mode 0644) (EACCES)`],
    ] as const) {
      const daemon = new Daemon({ command }, { cgroup: dir, restart: noRestart });
      const events$ = sandbox().track(daemon);
      daemon.start();
      const failed = await nextEvent(events$, is('spawn-failed'));
      expect(failed.error.message).toContain(message);
    }
    expect(procsOf(dir)).toEqual([]);
  });
});
