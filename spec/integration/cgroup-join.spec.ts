import { spawn } from 'node:child_process';
import { closeSync, existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOIN_FAILED, joinedCommand, openCgroupProcs } from '../../lib/process/cgroup/join.js';
import { unifiedPathOf } from '../../lib/process/cgroup/membership.js';
import { cgroupScopePerTest, hierarchy, must, noCgroups, spawnJoined } from '../helpers/cgroup.js';
import { sandboxPerTest, waitFor } from '../helpers/real-processes.js';

// Join before exec, for real: the child is in its cgroup before its program runs, so not even the program's
// first fork escapes; it keeps its pid and argv, holds no descriptor of ours, and may have dropped to another uid.

const cgroup = cgroupScopePerTest();
const sandbox = sandboxPerTest();

/** The cgroup v2 path of a process, as a path of the hierarchy (`/rxd-…/web`). */
const cgroupOf = (pid: number): string | undefined => unifiedPathOf(readFileSync(`/proc/${pid}/cgroup`, 'latin1'));
/** The path of cgroup dir `dir` in the hierarchy. */
const pathOf = (dir: string): string => dir.slice(hierarchy?.mountPoint.length);

const exitOf = (child: ReturnType<typeof spawn>): Promise<number | null> =>
  new Promise((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });

describe.skipIf(noCgroups !== undefined)(`join before exec${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  it("puts even the program's first fork in the cgroup: a child that forks at once", async () => {
    const web = cgroup().service('web');
    const pids = sandbox().path('grandchild');
    // The program's very first act is a fork; its child then stays for the look.
    const child = spawnJoined(web, '/bin/sh', ['-c', `sleep 30 & echo $! > ${pids}; wait`]);
    sandbox().own(child.pid ?? -1);
    await waitFor('the grandchild pid', () => existsSync(pids) && readFileSync(pids, 'latin1').endsWith('\n'));
    const grandchild = sandbox().own(Number(readFileSync(pids, 'latin1')));
    expect(cgroupOf(grandchild)).toBe(pathOf(web));
    expect(cgroupOf(child.pid ?? -1)).toBe(pathOf(web));
  });

  it('the program keeps its pid and argv, and holds no descriptor beyond 0, 1 and 2 (descriptor 3 is closed in the exec)', async () => {
    const web = cgroup().service('web');
    const child = spawnJoined(web, 'sleep', ['30']);
    const pid = sandbox().own(child.pid ?? -1);
    await waitFor('sleep to run', () => readFileSync(`/proc/${pid}/cmdline`, 'latin1') === 'sleep\x0030\x00');
    expect(readFileSync(join(web, 'cgroup.procs'), 'latin1')).toBe(`${pid}\n`);
    expect(readdirSync(`/proc/${pid}/fd`).map(Number).filter((fd) => fd <= 3)).toEqual([0, 1, 2]);
  });

  it('a child that dropped to another uid still joins: the move is checked with the credentials of the opener of cgroup.procs', async () => {
    const web = cgroup().service('web');
    const child = spawnJoined(web, 'sleep', ['30'], { uid: 65534, gid: 65534 });
    const pid = sandbox().own(child.pid ?? -1);
    await waitFor('sleep to run', () => readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep'));
    expect(/^Uid:\s+65534\s/m.test(readFileSync(`/proc/${pid}/status`, 'latin1'))).toBe(true);
    expect(cgroupOf(pid)).toBe(pathOf(web));
  });

  it(`a join that fails ends the child with ${JOIN_FAILED} before the program runs: never a program outside its cgroup`, async () => {
    const web = cgroup().service('web');
    const procs = must(openCgroupProcs(web));
    // The cgroup removed under the open descriptor: the write fails (ENODEV).
    rmdirSync(web);
    const marker = sandbox().path('ran');
    const { command, args } = joinedCommand('/bin/sh', ['-c', `touch ${marker}`]);
    const child = spawn(command, [...args], { stdio: ['ignore', 'ignore', 'ignore', procs] });
    closeSync(procs);
    expect(await exitOf(child)).toBe(JOIN_FAILED);
    expect(existsSync(marker)).toBe(false);
  });

  it('a program that is not found ends the child with 127, as the shell says', async () => {
    const web = cgroup().service('web');
    const procs = must(openCgroupProcs(web));
    const { command, args } = joinedCommand('rxdaemon-no-such-program', []);
    const child = spawn(command, [...args], { stdio: ['ignore', 'ignore', 'ignore', procs] });
    closeSync(procs);
    expect(await exitOf(child)).toBe(127);
  });

  it('a cgroup.procs that cannot be opened is a Left naming it', () => {
    const gone = join(cgroup().dir, 'none');
    expect(openCgroupProcs(gone)).toEqual({ _tag: 'Left', left: { code: 'ENOENT', message: `cannot open ${gone}/cgroup.procs: no such file or directory` } });
  });
});
