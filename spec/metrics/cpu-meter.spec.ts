import { describe, expect, it } from 'vitest';
import { CpuMeter, type CpuSample } from '../../lib/metrics/cpu-meter.js';

const at = (atMs: number, cpuMs: number): CpuSample => ({ atMs, cpuMs });
// A process that started at 10 s, on the clock of its samples: a first look measures from there.
const START = at(10_000, 0);

describe('CpuMeter: percent of one core, over the window since the last look at the same key', () => {
  it('measures a first look from its origin (a process since it started, as ps does)', () => {
    expect(new CpuMeter().percent('pid:7@1000', at(14_000, 1_000), START)).toBe(25);
  });

  it('measures later looks over the window since the one before, as top does', () => {
    const meter = new CpuMeter();
    meter.percent('pid:7@1000', at(14_000, 1_000), START);
    // 1.5 s of CPU in 2 s: 75 %, though the lifetime average is 42 %.
    expect(meter.percent('pid:7@1000', at(16_000, 2_500), START)).toBe(75);
    // Two cores busy.
    expect(meter.percent('pid:7@1000', at(18_000, 6_500), START)).toBe(200);
  });

  it('repeats the last figure for a look within a second of it (10 ms ticks make shorter windows noise)', () => {
    const meter = new CpuMeter();
    meter.percent('pid:7@1000', at(14_000, 1_000), START);
    expect(meter.percent('pid:7@1000', at(14_500, 1_500), START)).toBe(25);
  });

  it('takes another key (a reused pid: another start) for a new process', () => {
    const meter = new CpuMeter();
    meter.percent('pid:7@1000', at(14_000, 1_000), START);
    expect(meter.percent('pid:7@1900', at(20_000, 100), at(19_000, 0))).toBe(10);
  });

  it('forgets the keys it is told to, and measures them afresh', () => {
    const meter = new CpuMeter();
    meter.percent('pid:7@1000', at(14_000, 1_000), START);
    meter.keepOnly(new Set(['pid:8@1000']));
    expect(meter.percent('pid:7@1000', at(16_000, 2_500), START)).toBe(Math.round((1000 * 2_500) / 6_000) / 10);
  });

  it('says 0 for a process that started this very moment', () => {
    expect(new CpuMeter().percent('pid:7@1000', START, START)).toBe(0);
  });

  it('a cgroup: measures from its mark (its counter holds earlier runs too), over however short a window; no figure without a mark', () => {
    const meter = new CpuMeter();
    expect(meter.percent('cgroup:/web', at(5_000, 90_000))).toBeUndefined();
    meter.mark('cgroup:/web', at(10_000, 100_000));
    // 100 s of earlier runs are not this run's: 200 ms in 400 ms.
    expect(meter.percent('cgroup:/web', at(10_400, 100_200))).toBe(50);
    expect(meter.percent('cgroup:/web', at(11_400, 101_200))).toBe(100);
  });
});
