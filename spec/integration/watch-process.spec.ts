import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readProcStat } from '../../lib/process/proc-stat.js';
import { watchProcess } from '../../lib/process/watch-process.js';

const noProbe = () => {
  throw new Error('should not probe');
};

describe('watchProcess', () => {
  it('a pid that is not a process, the supervisor’s own, or a group is gone at once, without a look', () => {
    for (const pid of [0, 1, -5, process.pid, 2 ** 53]) expect(watchProcess({ pid, startTime: null }, process.pid, noProbe).gone()).toBe(true);
  });

  it('falls back to probing where the process has no /proc entry to hold', () => {
    const seen: number[] = [];
    const watch = watchProcess({ pid: 4_194_000, startTime: null }, process.pid, (pid) => {
      seen.push(pid);
      return { state: 'dead', startTime: null };
    });
    expect(watch.gone()).toBe(true);
    expect(seen).toEqual([4_194_000]);
    watch.close();
  });

  it('follows a live process until it dies, and refuses one recorded with another start time', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
    const pid = child.pid ?? -1;
    const startTime = readProcStat(pid)?.startTime ?? null;
    expect(watchProcess({ pid, startTime: '1' }, process.pid, noProbe).gone()).toBe(true);
    const watch = watchProcess({ pid, startTime }, process.pid, noProbe);
    expect(watch.gone()).toBe(false);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(watch.gone()).toBe(true);
    watch.close();
    watch.close();
  });
});

describe('the driver’s kill guards', () => {
  it('never signals a pid that is not a process of its own kind, nor a live pid recorded with another start time', async () => {
    const { defaultDriver } = await import('../../lib/process/default-driver.js');
    const { processes } = defaultDriver();
    for (const pid of [0, 1, -1, process.pid]) expect(processes.kill({ pid, startTime: null }, 'SIGKILL', true)).toMatchObject({ _tag: 'Left', left: { code: 'EINVAL' } });
    const child = spawn('sleep', ['30'], { stdio: 'ignore', detached: true });
    await new Promise((resolve) => child.once('spawn', resolve));
    const pid = child.pid ?? -1;
    try {
      // Not the driver's own child, and the start time says it is someone else: refused, and it lives.
      expect(processes.kill({ pid, startTime: '1' }, 'SIGKILL', false)).toMatchObject({ _tag: 'Left', left: { code: 'EPIDREUSED' } });
      expect(readProcStat(pid)?.state).not.toBe('Z');
      // With the right start time it is signalled.
      expect(processes.kill({ pid, startTime: readProcStat(pid)?.startTime ?? null }, 'SIGTERM', true)._tag).toBe('Right');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(processes.kill({ pid, startTime: '1' }, 'SIGKILL', false)).toMatchObject({ _tag: 'Left', left: { code: 'ESRCH' } });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
