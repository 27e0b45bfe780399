import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { of } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import type { DaemonState } from '../../lib/daemon/state.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { DaemonStates } from '../../lib/manager/fold-states.js';
import { Manager } from '../../lib/manager/manager.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

describe('StatesFeed: a manager’s states are one fold', () => {
  it('a Manager with a data dir folds each event once: states$ and control.sock’s status read the same fold', () => {
    const root = mkdtempSync(join(tmpdir(), 'rxdaemon-one-fold-'));
    const see = vi.spyOn(DaemonStates.prototype, 'see');
    try {
      const seen: ManagerEvent[] = [];
      const states: ReadonlyMap<string, DaemonState>[] = [];
      inVirtualTime(({ cold }) => {
        const manager = new Manager(of({ web: { command: 'web' } }), { driver: new FakeDriver(), dataDir: root });
        manager.events$.subscribe((event) => seen.push(event));
        manager.states$.subscribe((map) => states.push(map));
        manager.run();
        cold('1s k').subscribe(() => void manager.kill());
      });
      expect(seen.at(-1)?.type).toBe('manager-stopped');
      expect(states.some((map) => map.get('web')?.status === 'running')).toBe(true);
      expect(see).toHaveBeenCalledTimes(seen.length);
    } finally {
      see.mockRestore();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
