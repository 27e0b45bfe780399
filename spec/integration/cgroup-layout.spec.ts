import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceCgroup, removeCgroup } from '../../lib/process/cgroup/layout.js';
import { systemCgroups } from '../../lib/process/cgroup/system-cgroups.js';
import { cgroupScopePerTest, emptied, hierarchy, must, noCgroups, populated, spawnJoined } from '../helpers/cgroup.js';

// The layout on the real cgroupfs of this machine: <root>/rxd-<scope>/<id>, made once, never through a link,
// removed leaves first.

const cgroup = cgroupScopePerTest();
const TSX = createRequire(import.meta.url).resolve('tsx/esm');
const LAYOUT = fileURLToPath(new URL('../../lib/process/cgroup/layout.ts', import.meta.url));

describe.skipIf(noCgroups !== undefined)(`the cgroup layout${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  it('makes <root>/rxd-<scope>/<id>, 0755, once: a second call finds it and changes nothing', () => {
    const { root, scope, dir } = cgroup();
    const web = must(createServiceCgroup(root, scope, 'web'));
    expect(web).toBe(join(dir, 'web'));
    expect(statSync(web).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(web, 'cgroup.procs'), 'latin1')).toBe('');
    expect(createServiceCgroup(root, scope, 'web')).toEqual({ _tag: 'Right', right: web });
  });

  it("refuses an id that is one of the kernel's files, and the manager's own leaf", () => {
    const { root, scope, dir } = cgroup();
    expect(createServiceCgroup(root, scope, 'cgroup.procs')).toEqual({
      _tag: 'Left',
      left: { code: 'EEXIST', message: `cannot create the cgroup ${join(dir, 'cgroup.procs')}: a regular file of that name is there` },
    });
    expect(createServiceCgroup(root, scope, 'supervisor')).toMatchObject({ _tag: 'Left', left: { code: 'EINVAL' } });
    expect(existsSync(join(dir, 'supervisor'))).toBe(false);
  });

  it("moves the calling process (here a node child, standing for the manager) into the scope's supervisor leaf", async () => {
    const { root, scope, dir } = cgroup();
    const code = `const { enterSupervisorLeaf } = await import(${JSON.stringify(LAYOUT)});
      const { readFileSync } = await import('node:fs');
      console.log(JSON.stringify({ entered: enterSupervisorLeaf(${JSON.stringify(root)}, ${JSON.stringify(scope)}), cgroup: readFileSync('/proc/self/cgroup', 'latin1') }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', code], { encoding: 'utf8' })) as { entered: unknown; cgroup: string };
    expect(out.entered).toEqual({ _tag: 'Right', right: join(dir, 'supervisor') });
    expect(out.cgroup).toContain(`0::${join(dir, 'supervisor').slice(hierarchy?.mountPoint.length)}\n`);
    // It has ended: the leaf is empty again, and removed with the scope after the test.
    await emptied(join(dir, 'supervisor'));
  });

  it('removes a scope leaves first, and refuses (EBUSY, naming it) while a process runs in one of them', async () => {
    const { root, scope, dir } = cgroup();
    const web = must(createServiceCgroup(root, scope, 'web'));
    must(createServiceCgroup(root, scope, 'db'));
    // A cgroup below a service's: rmdir of the service alone would fail with EBUSY.
    mkdirSync(join(web, 'nested'));
    const child = spawnJoined(join(dir, 'db'), 'sleep', ['30']);
    await populated(join(dir, 'db'));
    expect(removeCgroup(dir)).toEqual({ _tag: 'Left', left: { code: 'EBUSY', message: `cannot remove the cgroup ${join(dir, 'db')}: processes still run in it` } });
    child.kill('SIGKILL');
    await emptied(join(dir, 'db'));
    expect(removeCgroup(dir)).toEqual({ _tag: 'Right', right: undefined });
    expect(existsSync(dir)).toBe(false);
    // Gone already: success.
    expect(removeCgroup(dir)).toEqual({ _tag: 'Right', right: undefined });
  });
});

describe('a root given by a user, on any file system: no link is followed', () => {
  const temps: string[] = [];
  afterEach(() => {
    for (const temp of temps.splice(0)) rmSync(temp, { recursive: true, force: true });
  });
  const temp = (): string => {
    const made = mkdtempSync(join(tmpdir(), 'rxdaemon-cgroup-'));
    temps.push(made);
    return made;
  };

  it('a symlink planted where the scope’s cgroup should be is refused, and nothing is made where it points', () => {
    const [root, elsewhere] = [temp(), temp()];
    symlinkSync(elsewhere, join(root, 'rxd-x'));
    expect(createServiceCgroup(root, 'x', 'web')).toEqual({
      _tag: 'Left',
      left: { code: 'EEXIST', message: `cannot create the cgroup ${join(root, 'rxd-x')}: a symlink of that name is there` },
    });
    expect(existsSync(join(elsewhere, 'web'))).toBe(false);
  });

  it('removal refuses a symlink and leaves its target alone', () => {
    const [root, elsewhere] = [temp(), temp()];
    mkdirSync(join(elsewhere, 'keep'));
    symlinkSync(elsewhere, join(root, 'rxd-x'));
    expect(removeCgroup(join(root, 'rxd-x'))).toEqual({ _tag: 'Left', left: { code: 'ENOTDIR', message: `not removing ${join(root, 'rxd-x')}: it is a symlink, not a cgroup` } });
    expect(lstatSync(join(elsewhere, 'keep')).isDirectory()).toBe(true);
  });
});

describe.skipIf(noCgroups !== undefined)(`a cgroup a record names, checked before use (isCgroup)${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  const links: string[] = [];
  afterEach(() => {
    for (const link of links.splice(0)) rmSync(link, { recursive: true, force: true });
  });

  it('is a cgroup v2 directory reached through no symlink: not a link to one, nor a path through a linked directory, nor a plain directory', () => {
    const { root, scope, dir } = cgroup();
    const web = must(createServiceCgroup(root, scope, 'web'));
    const temp = mkdtempSync(join(tmpdir(), 'rxdaemon-cgroup-'));
    links.push(temp);
    symlinkSync(web, join(temp, 'web'));
    symlinkSync(dir, join(temp, 'scope'));
    expect(systemCgroups.isCgroup(web)).toBe(true);
    expect(systemCgroups.isCgroup(join(temp, 'web'))).toBe(false);
    expect(systemCgroups.isCgroup(join(temp, 'scope', 'web'))).toBe(false);
    expect(systemCgroups.isCgroup(temp)).toBe(false);
    expect(systemCgroups.isCgroup(join(dir, 'gone'))).toBe(false);
  });
});
