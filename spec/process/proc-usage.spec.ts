import { describe, expect, it } from 'vitest';
import { ProcScans } from '../../lib/process/proc-scans.js';
import { CpuMeter, parseCpuTicks, parseResidentPages, readProcUsage, type ProcUsage } from '../../lib/process/proc-usage.js';
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

describe('CpuMeter: percent of one core, over the window since the last look at the same process', () => {
  const at = (atTicks: number, cpuTicks: number, startTicks = 1_000): ProcUsage => ({ atTicks, cpuTicks, startTicks, rssBytes: 0 });

  it('measures a first look since the process started, as ps does', () => {
    expect(new CpuMeter().percent(7, at(1_400, 100))).toBe(25);
  });

  it('measures later looks over the window since the one before, as top does', () => {
    const meter = new CpuMeter();
    meter.percent(7, at(1_400, 100));
    // 150 ticks of CPU in 200 ticks: 75 %, though the lifetime average is 42 %.
    expect(meter.percent(7, at(1_600, 250))).toBe(75);
    // Two cores busy.
    expect(meter.percent(7, at(1_800, 650))).toBe(200);
  });

  it('repeats the last figure for a look within a second of it (10 ms ticks make shorter windows noise)', () => {
    const meter = new CpuMeter();
    meter.percent(7, at(1_400, 100));
    expect(meter.percent(7, at(1_450, 150))).toBe(25);
  });

  it('takes a reused pid (another start time) for a new process', () => {
    const meter = new CpuMeter();
    meter.percent(7, at(1_400, 100));
    expect(meter.percent(7, at(2_000, 10, 1_900))).toBe(10);
  });

  it('forgets the processes it is told to, and measures them afresh', () => {
    const meter = new CpuMeter();
    meter.percent(7, at(1_400, 100));
    meter.keepOnly(new Set([8]));
    expect(meter.percent(7, at(1_600, 250))).toBe(Math.round((1000 * 250) / 600) / 10);
  });

  it('says 0 for a process that started this very tick', () => {
    expect(new CpuMeter().percent(7, at(1_000, 0))).toBe(0);
  });
});
