import { left, right } from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { limitControllers, limitResets, limitWrites } from '../../../lib/process/cgroup/limits.js';

describe('limitWrites', () => {
  it.each([
    [{}, []],
    [{ memoryMax: 268_435_456 }, [{ option: 'memoryMax', controller: 'memory', file: 'memory.max', value: '268435456' }]],
    [{ cpuMax: 0.5 }, [{ option: 'cpuMax', controller: 'cpu', file: 'cpu.max', value: '50000 100000' }]],
    [{ cpuMax: 2 }, [{ option: 'cpuMax', controller: 'cpu', file: 'cpu.max', value: '200000 100000' }]],
    [{ cpuMax: 0.01 }, [{ option: 'cpuMax', controller: 'cpu', file: 'cpu.max', value: '1000 100000' }]],
    [{ cpuMax: 1 / 3 }, [{ option: 'cpuMax', controller: 'cpu', file: 'cpu.max', value: '33333 100000' }]],
    [{ pidsMax: 64 }, [{ option: 'pidsMax', controller: 'pids', file: 'pids.max', value: '64' }]],
    [
      { memoryMax: 1024, cpuMax: 1, pidsMax: 1 },
      [
        { option: 'memoryMax', controller: 'memory', file: 'memory.max', value: '1024' },
        { option: 'cpuMax', controller: 'cpu', file: 'cpu.max', value: '100000 100000' },
        { option: 'pidsMax', controller: 'pids', file: 'pids.max', value: '1' },
      ],
    ],
  ])('%j', (limits, writes) => {
    expect(limitWrites(limits)).toEqual(writes);
  });

  it.each([
    [{ memoryMax: 1.5 }, 'Expected the `memoryMax` option to be a positive integer, got `1.5` (number).'],
    [{ memoryMax: 0 }, 'Expected the `memoryMax` option to be a positive integer, got `0` (number).'],
    [{ cpuMax: 0.001 }, 'Expected the `cpuMax` option to be a finite number of cores >= 0.01, got `0.001` (number).'],
    [{ cpuMax: -0.5 }, 'Expected the `cpuMax` option to be a finite number of cores >= 0.01, got `-0.5` (number).'],
    [{ pidsMax: -1 }, 'Expected the `pidsMax` option to be a positive integer, got `-1` (number).'],
  ])('a value that is not one is a TypeError: %j', (limits, message) => {
    expect(() => limitWrites(limits)).toThrow(new TypeError(message));
  });
});

describe('limitResets', () => {
  it.each([
    [{ memoryMax: 2 ** 28, cpuMax: 0.5, pidsMax: 64 }, { pidsMax: 32 }, [{ option: 'memoryMax', controller: 'memory', file: 'memory.max', value: 'max' }, { option: 'cpuMax', controller: 'cpu', file: 'cpu.max', value: 'max' }]],
    [{ pidsMax: 64 }, {}, [{ option: 'pidsMax', controller: 'pids', file: 'pids.max', value: 'max' }]],
    [{ pidsMax: 64 }, { pidsMax: 64 }, []],
    [{}, { memoryMax: 2 ** 28 }, []],
  ])('lifts each limit of %j that %j no longer sets', (before, now, resets) => {
    expect(limitResets(limitWrites(before), limitWrites(now))).toEqual(resets);
  });
});

describe('limitControllers', () => {
  const root = '/sys/fs/cgroup/unified';

  it('refuses a limit whose controller is neither enabled nor available below the root (this machine: hugetlb only), naming both', () => {
    expect(limitControllers(limitWrites({ pidsMax: 10, memoryMax: 2 ** 28 }), { root, controllers: ['hugetlb'], subtreeControl: [] })).toEqual(
      left({ code: 'ELIMITS', option: 'memoryMax', controller: 'memory', message: 'memoryMax needs the memory controller, which is not delegated to /sys/fs/cgroup/unified (its cgroup.controllers: hugetlb)' }),
    );
    expect(limitControllers(limitWrites({ cpuMax: 0.5 }), { root, controllers: [], subtreeControl: [] })).toMatchObject(
      left({ controller: 'cpu', message: 'cpuMax needs the cpu controller, which is not delegated to /sys/fs/cgroup/unified (its cgroup.controllers: none)' }),
    );
  });

  it('the controllers to enable, each once, where the root has them', () => {
    const writes = limitWrites({ memoryMax: 2 ** 28, cpuMax: 0.5, pidsMax: 10 });
    expect(limitControllers(writes, { root, controllers: ['cpu', 'memory', 'pids'], subtreeControl: ['memory'] })).toEqual(right(['memory', 'cpu', 'pids']));
    expect(limitControllers([...writes, ...writes], { root, controllers: ['cpu', 'memory', 'pids'], subtreeControl: [] })).toEqual(right(['memory', 'cpu', 'pids']));
    expect(limitControllers([], { root, controllers: [], subtreeControl: [] })).toEqual(right([]));
  });
});
