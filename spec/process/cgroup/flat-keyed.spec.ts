import { describe, expect, it } from 'vitest';
import { flatKeyed } from '../../../lib/process/cgroup/flat-keyed.js';

describe('flatKeyed', () => {
  it('reads every key of cpu.stat, cgroup.events and memory.events', () => {
    const cpu = flatKeyed('usage_usec 1843021\nuser_usec 1200000\nsystem_usec 643021\nnr_periods 0\n');
    expect([...cpu]).toEqual([['usage_usec', 1843021], ['user_usec', 1200000], ['system_usec', 643021], ['nr_periods', 0]]);
    expect(flatKeyed('populated 1\nfrozen 0\n').get('populated')).toBe(1);
    expect(flatKeyed('low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n').get('oom_kill')).toBe(2);
  });

  it('leaves out what is not `key count`: nested keys (pressure files), words, empty lines', () => {
    expect([...flatKeyed('some avg10=0.00 avg60=0.00 total=0\nmode max\n\npopulated x\nfrozen 1\n')]).toEqual([['frozen', 1]]);
  });
});
