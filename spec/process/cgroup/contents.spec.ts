import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childCgroups, isGone, procsOf } from '../../../lib/process/cgroup/contents.js';

// A cgroup as cgroupfs shows it, in a temp dir: child cgroups are directories, the kernel's files are files.
describe('the contents of a cgroup', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxdaemon-contents-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('childCgroups: the directories below it, never its files', () => {
    mkdirSync(join(dir, 'web'));
    mkdirSync(join(dir, 'api'));
    writeFileSync(join(dir, 'cgroup.procs'), '');
    expect(childCgroups(dir).sort()).toEqual(['api', 'web']);
  });

  it('procsOf: the pids of its cgroup.procs, one a line, none for an empty one', () => {
    writeFileSync(join(dir, 'cgroup.procs'), '812\n9041\n');
    expect(procsOf(dir)).toEqual([812, 9041]);
    writeFileSync(join(dir, 'cgroup.procs'), '');
    expect(procsOf(dir)).toEqual([]);
  });

  it('a cgroup that is gone holds nothing: no child, no process', () => {
    expect(childCgroups(join(dir, 'gone'))).toEqual([]);
    expect(procsOf(join(dir, 'gone'))).toEqual([]);
  });

  it('any other failure is thrown, for the caller to say', () => {
    writeFileSync(join(dir, 'file'), '');
    expect(() => childCgroups(join(dir, 'file'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => procsOf(join(dir, 'file'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it('isGone: ENOENT, and ENODEV (a file of a cgroup removed since it was opened); nothing else', () => {
    expect([{ code: 'ENOENT' }, { code: 'ENODEV' }, { code: 'EACCES' }, new Error('x')].map(isGone)).toEqual([true, true, false, false]);
  });
});
