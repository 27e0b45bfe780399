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

// The collector, so that garbage made before a window is not collected in it (V8's memory reducer runs seconds after allocation stops).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The share of one core this process used over `ms` of wall time, once garbage made before is collected. */
const cpuOver = async (ms: number): Promise<number> => {
  gc();
  await sleep(500);
  const before = process.cpuUsage();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return (100 * (used.user + used.system)) / 1_000 / ms;
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
    const floor = await cpuOver(5_000);
    const closing = new Subject<void>();
    const events: DaemonEvent[] = [];
    for (const { dir, pid } of services) {
      const startTime = processes.probe(pid).startTime;
      supervise({ command: 'sleep', args: ['1000'] }, { cgroup: dir, adopt: { pid, startTime }, close$: closing })
        .pipe(takeUntil(closing))
        .subscribe((event) => events.push(event));
    }
    await waitFor('every adoption', () => events.filter((event) => event.type === 'adopted' && event.cgroup !== undefined).length === COUNT);
    // V8's memory reducer collects what the adoptions allocated some 8–12 s after (a quarter of a second of CPU here): past it.
    await sleep(15_000);
    // A sixth of a period of the contained PID poll (a sixtieth of the default 1 s rate): a window with its one pass over the 1,000 in it is the worst.
    const idle = await cpuOver(10_000);
    closing.next();
    expect(events.filter((event) => event.type === 'exited')).toEqual([]);
    expect(idle - floor, `% of a core: ${floor.toFixed(3)} unwatched, ${idle.toFixed(3)} watched`).toBeLessThan(0.2);
  }, 90_000);
});
