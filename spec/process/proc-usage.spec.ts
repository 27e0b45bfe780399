import { describe, expect, it } from 'vitest';
import { ProcScans } from '../../lib/process/proc-scans.js';
import { parseCpuTicks, parseResidentPages, readProcUsage, type ProcUsage } from '../../lib/process/proc-usage.js';
import { readProcStat } from '../../lib/process/proc-stat.js';

// Fields 3 … 23 of a stat line: utime (14) = 150, stime (15) = 50, starttime (22) = 987654.
const TAIL = 'S 1 4242 4242 0 -1 4194304 98 0 0 0 150 50 0 0 20 0 1 0 987654 3133440 382';

describe('parseCpuTicks: user and system time, and the start, of a /proc/<pid>/stat line', () => {
  it.each([
    ['a plain name', `4242 (sleep) ${TAIL}\n`],
    ['a name with ) and spaces', `4242 (a) 1 2 3) ${TAIL}\n`],
  ])('%s', (_, text) => {
    expect(parseCpuTicks(text)).toEqual({ cpuTicks: 200, startTicks: 987654 });
  });

  it.each([['nothing', ''], ['a cut-off line', '4242 (sleep) S 1 4242'], ['a field that is no number', `4242 (sleep) ${TAIL.replace(' 150 ', ' x ')}`]])('%s is undefined', (_, text) => {
    expect(parseCpuTicks(text)).toBeUndefined();
  });
});

describe('parseResidentPages: the second field of /proc/<pid>/statm', () => {
  it.each([
    ['2052 420 361 2 0 187 0\n', 420],
    ['2052', undefined],
    ['2052 x 1', undefined],
  ])('%j', (text, pages) => {
    expect(parseResidentPages(text)).toBe(pages);
  });
});

describe('readProcUsage', () => {
  it('reads this process: CPU time so far, its start, now, and its resident memory in bytes', () => {
    const usage = readProcUsage(process.pid);
    expect(usage).toBeDefined();
    const { cpuTicks, startTicks, atTicks, rssBytes } = usage as ProcUsage;
    expect(cpuTicks).toBeGreaterThan(0);
    expect(atTicks).toBeGreaterThanOrEqual(startTicks);
    // node's own figure, read the same way a moment apart: the page size is right if they agree to a few pages.
    expect(Math.abs(rssBytes - process.memoryUsage.rss())).toBeLessThan(4 * 1024 * 1024);
  });

  it('is undefined for a process that is not there', () => {
    expect(readProcUsage(4_194_305)).toBeUndefined();
  });
});

describe('SystemScans.startedAt: a start time since boot, on the caller\'s clock', () => {
  it('puts this process\'s start where its own uptime says it was, on the clock given', () => {
    const system = new ProcScans();
    const startTime = readProcStat(process.pid)?.startTime ?? null;
    const now = Date.now();
    const started = system.startedAt({ pid: process.pid, startTime }, now);
    // node's uptime counts from its own start, a few ms after the exec; /proc counts in 10 ms ticks.
    expect(Math.abs((started ?? Number.NaN) - (now - process.uptime() * 1_000))).toBeLessThan(500);
    // Any clock: a virtual one at 0 puts the start as long before 0.
    const virtual = system.startedAt({ pid: process.pid, startTime }, 0) ?? Number.NaN;
    expect(Math.abs(virtual - (started ?? Number.NaN) + now)).toBeLessThan(50);
  });

  it('is null without a start time', () => {
    expect(new ProcScans().startedAt({ pid: process.pid, startTime: null }, Date.now())).toBeNull();
  });
});
