import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { killCgroup, signalEachMember } from '../../lib/process/cgroup/kill.js';
import { cgroupScopePerTest, emptied, must, noCgroups, populated, spawnJoined } from '../helpers/cgroup.js';
import { isAlive, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

// A daemon whose grandchild calls setsid and double-forks (spec/fixtures/escapee.mjs): a signal to the daemon's
// process group misses the escapee; the cgroup holds it, and one write to cgroup.kill (or, without it, the
// frozen signal loop) ends them all.

const ESCAPEE = fileURLToPath(new URL('../fixtures/escapee.mjs', import.meta.url));
const cgroup = cgroupScopePerTest();
const sandbox = sandboxPerTest();

/** The session and parent of a live process, from /proc/<pid>/stat. */
const statOf = (pid: number): { ppid: number; session: number } => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const [, ppid, , session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(ppid), session: Number(session) };
};

/** Starts the escapee's daemon in cgroup `dir` (a session of its own, as rxdaemon starts daemons) and waits for the escapee. */
const escape = async (dir: string): Promise<{ daemon: number; escapee: number }> => {
  const file = sandbox().path('pids.json');
  const daemon = spawnJoined(dir, process.execPath, [ESCAPEE, '--pids', file], { detached: true });
  sandbox().own(daemon.pid ?? -1);
  await waitFor('the escapee', () => existsSync(file), 10_000);
  const pids = JSON.parse(readFileSync(file, 'utf8')) as { daemon: number; escapee: number };
  sandbox().own(pids.escapee);
  // It did escape: another session than the daemon's, and not its child.
  expect(statOf(pids.escapee).session).not.toBe(statOf(pids.daemon).session);
  expect(statOf(pids.escapee).ppid).not.toBe(pids.daemon);
  return pids;
};

describe.skipIf(noCgroups !== undefined)(`ending a cgroup${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  it('a signal to the daemon’s process group leaves the setsid, double-forked escapee running (what a process group misses)', async () => {
    const { daemon, escapee } = await escape(cgroup().service('web'));
    process.kill(-daemon, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(daemon));
    expect(isAlive(escapee)).toBe(true);
  });

  it('cgroup.kill ends the daemon and the escapee; populated$ then says populated 0', async () => {
    const web = cgroup().service('web');
    const { daemon, escapee } = await escape(web);
    const empty = emptied(web);
    expect(killCgroup(web)).toEqual({ _tag: 'Right', right: undefined });
    await empty;
    expect([isAlive(daemon), isAlive(escapee)]).toEqual([false, false]);
  });

  it('without cgroup.kill: every member signalled, the cgroup frozen meanwhile and thawed after, so its next run runs', async () => {
    const web = cgroup().service('web');
    const { daemon, escapee } = await escape(web);
    const empty = emptied(web);
    expect(signalEachMember(web)).toEqual({ _tag: 'Right', right: undefined });
    await empty;
    expect([isAlive(daemon), isAlive(escapee)]).toEqual([false, false]);
    expect(readFileSync(`${web}/cgroup.freeze`, 'latin1')).toBe('0\n');
    const marker = sandbox().path('ran');
    spawnJoined(web, '/bin/sh', ['-c', `touch ${marker}`]);
    await waitFor('the next run to run', () => existsSync(marker));
  });

  it('ends what runs in the cgroups below too, and a cgroup already gone is success', async () => {
    const { dir } = cgroup();
    const child = spawnJoined(cgroup().service('web'), 'sleep', ['30']);
    sandbox().own(child.pid ?? -1);
    await populated(dir);
    const empty = emptied(dir);
    must(killCgroup(dir));
    await empty;
    expect(killCgroup(`${dir}/none`)).toEqual({ _tag: 'Right', right: undefined });
    expect(signalEachMember(`${dir}/none`)).toEqual({ _tag: 'Right', right: undefined });
  });
});
