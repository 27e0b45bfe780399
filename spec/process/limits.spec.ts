import { describe, expect, it } from 'vitest';
import { processHeadroom, softLimit } from '../../lib/process/limits.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             4096                 96365                processes
Max open files            unlimited            unlimited            files
`;

describe('limits', () => {
  it('reads a soft limit of /proc/self/limits; unlimited or absent is none', () => {
    expect(softLimit(LIMITS, 'Max processes')).toBe(4096);
    expect(softLimit(LIMITS, 'Max open files')).toBeUndefined();
    expect(softLimit(LIMITS, 'Max locked memory')).toBeUndefined();
  });

  it('leaves room for a few processes; names pid_max or threads-max for more than the system has', () => {
    expect(processHeadroom(10)).toBeUndefined();
    const full = processHeadroom(10_000_000);
    expect(full?.limit).toMatch(/^kernel\.(pid_max|threads-max)$/);
    expect(full?.more).toBeLessThan(10_000_000);
    expect(full?.inUse).toBeGreaterThan(0);
  });
});
