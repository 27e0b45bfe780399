import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { groupRemains } from '../../lib/process/signal.js';
import { sandboxPerTest } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();

afterEach(() => {
  vi.restoreAllMocks();
});

/** Starts `sleep 30` as the leader of a process group of its own (the sandbox kills it); resolves with its pid once it runs. */
const newGroup = async (): Promise<number> => {
  const leader = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  await once(leader, 'spawn');
  if (leader.pid === undefined) throw new Error('sleep spawned without a pid');
  return sandbox().own(leader.pid);
};

describe('groupRemains: the /proc scan it shares among groups', () => {
  it('does not answer for a group made after the scan: that group is looked for anew', async () => {
    // A clock that stands still keeps every question within the scan's reuse window.
    vi.spyOn(performance, 'now').mockReturnValue(performance.now());
    expect(groupRemains(await newGroup())).toBe(true);
    expect(groupRemains(await newGroup())).toBe(true);
  });
});
