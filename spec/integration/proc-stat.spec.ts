import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChildProcesses } from '../../lib/process/child-processes.js';
import { lookUpProcStat, parseProcStat } from '../../lib/process/proc-stat.js';
import { bundleForAnyone } from '../helpers/bundle.js';
import { isAlive, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();

const comm = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1');
  } catch {
    return undefined;
  }
};

/** What the driver makes of a renamed process, checked against what was read before the rename. */
const expectReadRight = (pid: number, before: { startTime: string; ppid: number; pgrp: number; session: number }) => {
  const look = lookUpProcStat(pid);
  if (look.kind !== 'found') throw new Error(`no stat for ${pid}: ${JSON.stringify(look)}`);
  const { state, ...identity } = look.stat;
  // Running or sleeping: either way, parsed from the right place.
  expect(state).toMatch(/^[RS]$/);
  expect(identity).toEqual(before);
  const processes = new ChildProcesses();
  expect(processes.probe(pid)).toEqual({ state: 'alive', startTime: before.startTime });
  // A wrong start time is a reused pid: refused, nothing sent.
  expect(processes.kill({ pid, startTime: `${before.startTime}1` }, 'SIGKILL', true)).toMatchObject({ left: { code: 'EPIDREUSED' } });
  expect(isAlive(pid)).toBe(true);
  expect(processes.kill({ pid, startTime: before.startTime }, 'SIGKILL', true)._tag).toBe('Right');
};

describe('/proc/<pid>/stat of a real process with a hostile name', () => {
  it.each([
    ['a) b', 'a) b'],
    [') R 1 1 1 1 1', ') R 1 1 1 1 1'],
    ['x\ny) Z 1 1', 'x\ny) Z 1 1'],
    ['exactly 15 bytes', 'abc) Z 1 2 3 4)'],
    ['a longer name, cut at 15 bytes', 'q) Z 1 1 1 1 1 1 1 1 1 1'],
  ])('renamed with process.title to %j: start time, pgrp and session are read right', async (_, title) => {
    const stat = sandbox().path('before');
    // prctl(PR_SET_NAME) under the hood: the name in /proc/<pid>/stat is the title's first 15 bytes.
    const script = `const fs = require('fs'); fs.writeFileSync(process.argv[2], fs.readFileSync('/proc/self/stat', 'latin1')); process.title = process.argv[1]; setInterval(() => {}, 60000);`;
    const child = spawn(process.execPath, ['-e', script, title, stat], { detached: true, stdio: 'ignore' });
    const pid = sandbox().own(child.pid ?? -1);
    await waitFor('the stat before the rename', () => existsSync(stat) && readFileSync(stat, 'latin1').endsWith('\n'));
    const before = parseProcStat(readFileSync(stat, 'latin1'));
    expect(before).toMatchObject({ ppid: process.pid, pgrp: pid, session: pid });
    await waitFor('the new name', () => comm(pid) === `${Buffer.from(title).subarray(0, 15).toString('latin1')}\n`);
    expectReadRight(pid, { startTime: before?.startTime ?? '', ppid: process.pid, pgrp: pid, session: pid });
  });

  it('exec of a binary through a symlink with a hostile name keeps its start time, and it is read right', async () => {
    const link = sandbox().path('z) R 1 1 1\nq');
    symlinkSync('/bin/sleep', link);
    const go = sandbox().path('go');
    // The shell waits for `go`, then execs the link: same pid, same start time, the link's name.
    const child = spawn('/bin/sh', ['-c', 'while [ ! -e "$2" ]; do sleep 0.01; done; exec "$1" 30', 'sh', link, go], { detached: true, stdio: 'ignore' });
    const pid = sandbox().own(child.pid ?? -1);
    await waitFor('the shell', () => comm(pid) === 'sh\n');
    const before = lookUpProcStat(pid);
    if (before.kind !== 'found') throw new Error(`no stat for the shell: ${JSON.stringify(before)}`);
    writeFileSync(go, '');
    await waitFor('the exec', () => comm(pid) === 'z) R 1 1 1\nq\n');
    expectReadRight(pid, { startTime: before.stat.startTime, ppid: process.pid, pgrp: pid, session: pid });
  });
});

// Where /proc does not show a process, rxdaemon must not take it for gone:
// run as another user under a hidepid mount, and as root with no /proc at all.
const LOOK = fileURLToPath(new URL('../fixtures/look-at-pid.ts', import.meta.url));
const canUnshare = spawnSync('unshare', ['-m', 'true']).status === 0;

interface Looked {
  look: { kind: string };
  probe: { state: string };
  kill: { _tag: string; left?: { code: string; message: string } };
  restore: string;
}

const lookFrom = (mount: string, asNobody: boolean, pid: number, startTime: string): Looked => {
  const user = asNobody ? 'setpriv --reuid=65534 --regid=65534 --clear-groups ' : '';
  const shell = `${mount} && exec ${user}"$0" "$1" "$2" "$3"`;
  // Bundled where nobody can read it: the repository may sit in a private directory.
  const look = bundleForAnyone(LOOK);
  try {
    const run = spawnSync('unshare', ['-m', 'sh', '-c', shell, process.execPath, look.path, String(pid), startTime], { encoding: 'utf8', timeout: 20_000 });
    if (run.status !== 0) throw new Error(`look-at-pid failed (${String(run.status)}): ${run.stderr}`);
    return JSON.parse(run.stdout) as Looked;
  } finally {
    look.remove();
  }
};

describe.runIf(canUnshare && process.getuid?.() === 0)('a process rxdaemon cannot see is not gone', () => {
  const target = (): { pid: number; startTime: string } => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const pid = sandbox().own(child.pid ?? -1);
    const look = lookUpProcStat(pid);
    if (look.kind !== 'found') throw new Error('no stat for the target');
    return { pid, startTime: look.stat.startTime };
  };

  it('hidepid=1 (EPERM on its stat), as another user: hidden, not gone; not signalled; not adopted', () => {
    const { pid, startTime } = target();
    const seen = lookFrom('mount -t proc -o hidepid=1 proc /proc', true, pid, startTime);
    expect(seen.look).toMatchObject({ kind: 'hidden' });
    expect(seen.probe.state).toBe('foreign');
    expect(seen.kill.left?.code).toBe('EPERM');
    expect(seen.restore).toBe('EFOREIGN');
    expect(isAlive(pid)).toBe(true);
  });

  it('hidepid=2 (no /proc entry at all), as another user: kill(pid, 0) shows it lives, so it is someone else’s, not dead', () => {
    const { pid, startTime } = target();
    const seen = lookFrom('mount -t proc -o hidepid=2 proc /proc', true, pid, startTime);
    expect(seen.look).toEqual({ kind: 'gone' });
    expect(seen.probe.state).toBe('foreign');
    expect(seen.kill.left).toMatchObject({ code: 'EPERM', message: expect.stringContaining('another user') as string });
    expect(seen.restore).toBe('EFOREIGN');
    expect(isAlive(pid)).toBe(true);
  });

  it('no /proc, as root: hidden; a signal to it as the recorded process is refused, and it is not adopted, nor called dead', () => {
    const { pid, startTime } = target();
    const seen = lookFrom('mount -t tmpfs none /proc', false, pid, startTime);
    expect(seen.look).toMatchObject({ kind: 'hidden' });
    expect(seen.probe.state).toBe('hidden');
    expect(seen.kill.left).toMatchObject({ code: 'EPERM', message: expect.stringContaining('cannot be checked') as string });
    expect(seen.restore).toBe('EHIDDEN');
    expect(isAlive(pid)).toBe(true);
  });
});
