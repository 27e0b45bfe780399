import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nprocBinds, pidsCgroup, processHeadroom, softLimit, tasksOf } from '../../lib/process/limits.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             4096                 96365                processes
Max open files            unlimited            unlimited            files
`;
const INITIAL = '         0          0 4294967295\n';
// CapEff of a root in a container that kept neither CAP_SYS_RESOURCE (24) nor CAP_SYS_ADMIN (21).
const status = (uid: number, capEff = '0000000000000000', threads = 1): string =>
  `Name:\tnode\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nThreads:\t${threads}\nCapEff:\t${capEff}\n`;

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A directory holding `files` (path: text), standing in for / with its proc and sys/fs/cgroup. */
const fixture = (files: Record<string, string>): { proc: string; cgroup: string } => {
  const root = mkdtempSync(join(tmpdir(), 'rxdaemon-limits-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { proc: join(root, 'proc'), cgroup: join(root, 'sys/fs/cgroup') };
};

/** A system of 1,000 tasks with pid_max and threads-max far off, this process `self` (its status), with more files. */
const system = (self: string, more: Record<string, string> = {}) =>
  fixture({
    'proc/loadavg': '0.10 0.20 0.30 2/1000 4242\n',
    'proc/sys/kernel/pid_max': '4194304\n',
    'proc/sys/kernel/threads-max': '1000000\n',
    'proc/self/status': self,
    'proc/self/uid_map': INITIAL,
    'proc/self/limits': LIMITS,
    'proc/self/cgroup': '0::/\n',
    ...more,
  });

describe('reading the limits', () => {
  it('a soft limit of /proc/self/limits; unlimited or absent is none', () => {
    expect(softLimit(LIMITS, 'Max processes')).toBe(4096);
    expect(softLimit(LIMITS, 'Max open files')).toBeUndefined();
    expect(softLimit(LIMITS, 'Max locked memory')).toBeUndefined();
  });

  it('RLIMIT_NPROC binds any real uid but root, and root only without CAP_SYS_RESOURCE and CAP_SYS_ADMIN, or in a user namespace of its own', () => {
    expect(nprocBinds(status(65534), INITIAL)).toBe(true);
    expect(nprocBinds(status(0), INITIAL)).toBe(false);
    expect(nprocBinds(status(0), undefined)).toBe(false);
    expect(nprocBinds(status(1000, '0000000001000000'), INITIAL)).toBe(false);
    expect(nprocBinds(status(1000, '0000000000200000'), INITIAL)).toBe(false);
    expect(nprocBinds(status(0, '000001ffffffffff'), '0 100000 65536\n')).toBe(true);
  });

  it("the cgroup of pids: v1's pids hierarchy when there is one, else v2's; none without either", () => {
    expect(pidsCgroup('0::/system.slice/agent.service\n')).toEqual({ hierarchy: '', path: '/system.slice/agent.service' });
    expect(pidsCgroup('9:name=systemd:/x\n8:pids:/kubepods/pod1/c1\n4:cpu,cpuacct:/y\n0::/\n')).toEqual({ hierarchy: 'pids', path: '/kubepods/pod1/c1' });
    expect(pidsCgroup('4:cpu,pids,memory:/z\n')).toEqual({ hierarchy: 'pids', path: '/z' });
    expect(pidsCgroup('4:cpu,cpuacct:/y\n')).toBeUndefined();
  });

  it("counts a uid's tasks, every thread of each of its processes", () => {
    const { proc } = fixture({ 'proc/1/status': status(0, undefined, 3), 'proc/20/status': status(65534, undefined, 4), 'proc/21/status': status(65534), 'proc/self/status': status(65534, undefined, 9) });
    expect(tasksOf(65534, proc)).toBe(5);
  });
});

describe('processHeadroom', () => {
  it('leaves room for a few processes, keeping 32 for the supervisor; names threads-max with the value that would do', () => {
    const sources = system(status(0), { 'proc/sys/kernel/threads-max': '1100\n' });
    expect(processHeadroom(68, sources)).toBeUndefined();
    expect(processHeadroom(100, sources)).toEqual({ more: 68, limit: 'kernel.threads-max', value: 1100, inUse: 1000, raise: 'sysctl -w kernel.threads-max=1132' });
  });

  it('names pid_max, to be raised to its most', () => {
    expect(processHeadroom(100, system(status(0), { 'proc/sys/kernel/pid_max': '1050\n' }))).toMatchObject({ more: 18, limit: 'kernel.pid_max', raise: 'sysctl -w kernel.pid_max=4194304' });
  });

  it("names RLIMIT_NPROC with this user's tasks for a user it binds, and not for root", () => {
    const tight = { 'proc/self/limits': LIMITS.replace('4096 ', '100  '), 'proc/7/status': status(65534, undefined, 10), 'proc/8/status': status(0, undefined, 500) };
    expect(processHeadroom(100, system(status(65534), tight))).toEqual({
      more: 58,
      limit: 'RLIMIT_NPROC',
      value: 100,
      inUse: 10,
      raise: "ulimit -u 142, or systemd's LimitNPROC=142",
    });
    expect(processHeadroom(100, system(status(0), tight))).toBeUndefined();
  });

  it("reads the cgroup's pids.max and its ancestors': the tightest wins, and max is none", () => {
    const sources = system(status(0), {
      'proc/self/cgroup': '0::/system.slice/agent.service\n',
      'sys/fs/cgroup/system.slice/agent.service/pids.max': 'max\n',
      'sys/fs/cgroup/system.slice/agent.service/pids.current': '40\n',
      'sys/fs/cgroup/system.slice/pids.max': '200\n',
      'sys/fs/cgroup/system.slice/pids.current': '150\n',
    });
    expect(processHeadroom(20, sources)).toEqual({
      more: 18,
      limit: 'cgroup pids.max',
      value: 200,
      inUse: 150,
      raise: `TasksMax=202 in the unit, or the pod's pid limit to 202; pids.max of ${sources.cgroup}/system.slice`,
    });
    expect(processHeadroom(18, sources)).toBeUndefined();
  });

  it("a pod's limit, in cgroup v1's pids hierarchy, up to its root", () => {
    const sources = system(status(0), {
      'proc/self/cgroup': '8:pids:/kubepods/pod1/c1\n0::/\n',
      'sys/fs/cgroup/pids/kubepods/pod1/pids.max': '64\n',
      'sys/fs/cgroup/pids/kubepods/pod1/pids.current': '30\n',
    });
    expect(processHeadroom(5, sources)).toMatchObject({ more: 2, limit: 'cgroup pids.max', value: 64, inUse: 30 });
  });

  it('says nothing where there is no /proc (another system)', () => {
    expect(processHeadroom(1_000_000_000, fixture({}))).toBeUndefined();
  });

  it('on this machine: room for a few, not for more than pid_max or threads-max allow', () => {
    expect(processHeadroom(10)).toBeUndefined();
    expect(processHeadroom(10_000_000)?.limit).toMatch(/^(kernel\.(pid_max|threads-max)|cgroup pids\.max)$/);
  });
});
