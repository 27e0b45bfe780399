import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Subject, takeUntil } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DaemonEvent } from '../../lib/events.js';
import { defaultDriver } from '../../lib/process/default-driver.js';
import { cgroupScopePerTest, noCgroups, spawnJoined } from '../helpers/cgroup.js';
import { waitFor } from '../helpers/real-processes.js';

const scope = cgroupScopePerTest();

const COUNT = 1_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// The collector, so that garbage made before a window is not collected in it.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// V8's memory reducer starts a full collection 8 s after a mark-compact that freed memory, and a later one pushes it
// 8 s on: a window that ends within 8 s of a gc() has none in it (a 10 s window once caught one, 150 ms of CPU).
const WINDOW_MS = 7_000;

/** The share of one core this process used over a window of wall time, once garbage made before is collected, and the collections in it (for a failure's message). */
const cpuOverWindow = async (): Promise<{ percent: number; collectedMs: number }> => {
  gc();
  await sleep(500);
  let collectedMs = 0;
  const collections = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) collectedMs += entry.duration;
  });
  collections.observe({ entryTypes: ['gc'] });
  const before = process.cpuUsage();
  await sleep(WINDOW_MS);
  const used = process.cpuUsage(before);
  collections.disconnect();
  return { percent: (100 * (used.user + used.system)) / 1_000 / WINDOW_MS, collectedMs };
};

describe.skipIf(noCgroups !== undefined)(`adopted daemons in their cgroups${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  it(`${COUNT} adopted daemons, each watched through its cgroup with the default 1 s poll, idle at under 0.2 % of a core beyond this process idle`, async () => {
    const { processes } = defaultDriver();
    // Processes left by an earlier manager, each in its service's cgroup: adopted, not started.
    const services = Array.from({ length: COUNT }, (_, i) => {
      const dir = scope().service(`s${i}`);
      const child = spawnJoined(dir, 'sleep', ['1000'], { detached: true });
      return { dir, pid: child.pid ?? -1 };
    });
    await waitFor('every process in its cgroup', () => services.every(({ pid }) => processes.probe(pid).state === 'alive'));
    // This process idle with the same children, unwatched: the floor.
    const floor = await cpuOverWindow();
    const closing = new Subject<void>();
    const events: DaemonEvent[] = [];
    for (const { dir, pid } of services) {
      const startTime = processes.probe(pid).startTime;
      supervise({ command: 'sleep', args: ['1000'] }, { cgroup: dir, adopt: { pid, startTime }, close$: closing })
        .pipe(takeUntil(closing))
        .subscribe((event) => events.push(event));
    }
    await waitFor('every adoption', () => events.filter((event) => event.type === 'adopted' && event.cgroup !== undefined).length === COUNT);
    // The memory reducer's own collections of what the adoptions allocated (from some 8 s after, a quarter of a second of CPU here): past them,
    // so that the window's gc() finds little to free and arms nothing.
    await sleep(15_000);
    // The contained PID poll runs at a sixtieth of the default 1 s rate: a window holds at most one pass over the 1,000.
    const idle = await cpuOverWindow();
    closing.next();
    expect(events.filter((event) => event.type === 'exited')).toEqual([]);
    const said = `% of a core: ${floor.percent.toFixed(3)} unwatched, ${idle.percent.toFixed(3)} watched (collecting garbage: ${idle.collectedMs.toFixed(1)} ms)`;
    expect(idle.percent - floor.percent, said).toBeLessThan(0.2);
  }, 90_000);
});
