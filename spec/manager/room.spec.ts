import { describe, expect, it } from 'vitest';
import { admit, heldCause } from '../../lib/manager/room.js';

const limit = { limit: 'RLIMIT_NPROC', value: 64, inUse: 40, raise: 'ulimit -u 75' };

describe('room under a limit of the OS', () => {
  it('admits as many ids, in order, as the limit leaves room for; all without a limit', () => {
    const ids = ['a', 'b', 'c'];
    expect([undefined, 0, 1, 2].map((more) => admit(ids, more === undefined ? undefined : { ...limit, more }))).toEqual([
      { start: ['a', 'b', 'c'], held: [] },
      { start: [], held: ['a', 'b', 'c'] },
      { start: ['a'], held: ['b', 'c'] },
      { start: ['a', 'b'], held: ['c'] },
    ]);
  });

  it("says a held id's cause: the limit, its use, how to raise it", () => {
    expect(heldCause(limit)).toBe('held: RLIMIT_NPROC is 64, 40 in use; ulimit -u 75');
  });
});
