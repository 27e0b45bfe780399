import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isRight } from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import { spawnAfter, type RestartPolicy } from '../../lib/policy/restart-policy.js';
import { readBootId, readProcStat } from '../../lib/process/proc-stat.js';
import { fate } from '../helpers/process-fate.js';
import { is, nextEvent, openFds, waitFor, zombieChildren } from '../helpers/real-processes.js';

// S9 in full: after any number of crash cycles, no zombie children and no
// growth in open descriptors, active handles and requests (timers among
// them) or heap. Measured twice, the second time after many more cycles,
// each time at the same quiet moment (nothing running, nothing being
// written): in one daemon's loop, a backoff after 200 and after 1,000
// crashes; for adopted processes, between two restore-and-stop cycles.

// A temp dir of its own rather than a Sandbox: a Sandbox's cleanup leaves
// its 3 s deadline pending into the next test, where it would be counted as
// a timer. Each test stops whatever it starts itself.
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxdaemon-spec-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});
const path = (name: string) => join(dir, name);

/**
 * A full garbage collection. Vitest's workers are not started with
 * --expose-gc; the flag set now still gives every new context a `gc`, which
 * collects the whole heap of the isolate.
 */
const collectGarbage = ((): (() => void) => {
  const exposed = globalThis.gc;
  if (exposed !== undefined) {
    return () => {
      exposed();
    };
  }
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** The heap in use once everything unreachable is collected. */
const heapAfterGc = (): number => {
  // A second pass collects what the first one's finalizers and weak callbacks let go.
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

/** Node's active handles and requests (`Timeout` for each pending timer, `ProcessWrap` for each child, `FSReqCallback` …), counted by kind. */
const activeResources = (): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
};

/** Kinds of heap snapshot node that are not a program's values: V8's compiled code, its own bookkeeping, the snapshot's roots. */
const NOT_VALUES = new Set(['code', 'hidden', 'synthetic']);

interface HeapSnapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

/**
 * The values a heap snapshot holds: their bytes, and how many there are of
 * each `kind:name` (`object:Subscriber`, `closure:onExit`, `string:…`).
 * Compiled code is left out: V8 keeps optimising hot functions for
 * thousands of cycles, and that code is the whole of the growth in
 * `heapUsed` a healthy loop shows (about 170 KB from cycle 200 to 1,000).
 */
const valuesIn = (path: string): { bytes: number; counts: Map<string, number> } => {
  const { snapshot, nodes, strings } = JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshot;
  const fields = snapshot.meta.node_fields;
  const [types] = snapshot.meta.node_types;
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  let bytes = 0;
  const counts = new Map<string, number>();
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeAt] ?? -1] ?? 'unknown';
    if (NOT_VALUES.has(type)) continue;
    bytes += nodes[i + sizeAt] ?? 0;
    const key = `${type}:${(strings[nodes[i + nameAt] ?? -1] ?? '').slice(0, 80)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { bytes, counts };
};

interface Resources {
  readonly fds: number;
  readonly active: Record<string, number>;
  readonly zombies: number[];
  /** `heapUsed` after a full collection. */
  readonly heap: number;
  /** Where the heap snapshot taken then was written. */
  readonly snapshot: string;
}

// A file operation (the pid file written or removed) or a child's handle being closed.
const inFlight = (kind: string) => kind.startsWith('FSReq') || kind === 'ProcessWrap';

/** What this process holds, once nothing is in flight; a heap snapshot goes to `snapshot`. */
const measure = async (snapshot: string): Promise<Resources> => {
  await waitFor('file operations and child handles to settle', () => !process.getActiveResourcesInfo().some(inFlight), 2_000);
  const heap = heapAfterGc();
  writeHeapSnapshot(snapshot);
  return { fds: openFds(), active: activeResources(), zombies: zombieChildren(), heap, snapshot };
};

/**
 * The checks of S9 between two measures, `cycles` apart. Values on the heap
 * may grow by less than 20 bytes a cycle: the smallest thing a leak could
 * keep each cycle is bigger (a plain object is 56 bytes on 64-bit Node, a
 * closure 64, an event object over 100), while the few values a measure
 * itself leaves behind (its snapshot's path, a shape or two: well under
 * 1 KB) fit. No kind of value may gain as many as one for every four
 * cycles, so a leak is named, not only weighed. `heapUsed`, compiled code
 * and all, gets a coarse bound: 1 KB a cycle (each run's ChildProcess
 * and its handles alone weigh more).
 */
const expectFlat = (before: Resources, after: Resources, cycles: number): void => {
  expect(after.zombies).toEqual([]);
  expect(after.fds).toBe(before.fds);
  expect(after.active).toEqual(before.active);
  const [earlier, later] = [valuesIn(before.snapshot), valuesIn(after.snapshot)];
  const multiplied = [...later.counts].filter(([key, count]) => count - (earlier.counts.get(key) ?? 0) >= cycles / 4).map(([key]) => key);
  expect(multiplied).toEqual([]);
  expect(later.bytes - earlier.bytes).toBeLessThan(20 * cycles);
  expect(after.heap - before.heap).toBeLessThan(1_024 * cycles);
};

/**
 * Restarts at once, every time, except before the attempts of `pauses`,
 * which wait their delay: a quiet moment of the loop to measure in.
 */
const pausingAt = (pauses: ReadonlyMap<number, number>): RestartPolicy => ({
  stableAfterMs: 10_000,
  next: ({ attempt }) => spawnAfter(pauses.get(attempt) ?? 0),
});

describe('S9 resources', () => {
  it('1,000 crash cycles of a real process: no zombie; descriptors, active handles and timers, and heap all flat from cycle 200 to 1,000', async () => {
    // The pause after cycle 200 outlasts a measure (well under a second); the one after 1,000 is ended by stop().
    const restart = pausingAt(
      new Map([
        [201, 3_000],
        [1_001, 60_000],
      ]),
    );
    const daemon = new Daemon({ command: '/bin/false' }, { restart, stdout: { file: path('out.log') }, stderr: { file: path('err.log') }, pidFile: path('f.pid') });
    // Nothing here keeps the events: keeping them would itself be heap growth.
    const pause = (cycles: number) => nextEvent(daemon.events$, is('backoff', (e) => e.attempt === cycles + 1), 20_000);
    const at200 = pause(200);
    daemon.start();
    try {
      await at200;
      const after200 = await measure(path('200.heapsnapshot'));
      // Still in the pause: the measure saw the loop at rest, between two runs.
      expect(daemon.state).toMatchObject({ status: 'waiting', attempt: 200 });
      // Waited for only now: the wait's deadline is a timer, which must not be pending during the first measure.
      await pause(1_000);
      const after1000 = await measure(path('1000.heapsnapshot'));
      expect(daemon.state).toMatchObject({ status: 'waiting', attempt: 1_000 });
      expect(after1000.active).toMatchObject({ Timeout: 1 }); // the pause's own timer, and no other
      expectFlat(after200, after1000, 800);
    } finally {
      await daemon.stop();
    }
  });

  it('restoring and stopping adopted processes, 300 times: no zombie; descriptors, active handles and timers, and heap all flat from the 100th to the 300th', async () => {
    const bootId = readBootId();
    /**
     * A process that is nobody's child here, as a dead supervisor leaves its
     * daemons: `sleep` in a session of its own, orphaned at once.
     */
    const orphan = (): number => {
      const { stdout } = spawnSync('sh', ['-c', 'setsid sleep 30 </dev/null >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' });
      const pid = Number(stdout);
      if (!(pid > 1)) throw new Error(`no pid from sh: ${JSON.stringify(stdout)}`);
      return pid;
    };
    // A job that sh starts in the background ignores SIGINT; SIGTERM ends it.
    const options = { pidFile: path('a.pid'), stopSignal: 'SIGTERM' } as const;
    const cycle = async () => {
      const pid = orphan();
      const snapshot = { version: 1, pid, startTime: readProcStat(pid)?.startTime ?? null, bootId, command: 'sleep', args: ['30'], env: {} };
      const restored = Daemon.restore(snapshot, options);
      if (!isRight(restored)) {
        process.kill(pid, 'SIGKILL');
        throw new Error(`restore refused: ${restored.left.message}`);
      }
      const daemon = restored.right;
      try {
        await nextEvent(daemon.events$, is('adopted'));
      } finally {
        await daemon.stop();
      }
      // Ended, though perhaps still exiting: stop() can resolve while an
      // adopted process's exit is under way (its memory freed, its
      // descriptors not yet closed), which is a matter for the stop, not S9.
      if (fate(pid) === 'alive') throw new Error(`adopted ${pid} outlived stop()`);
    };
    const cycles = async (count: number) => {
      for (let i = 0; i < count; i++) await cycle();
    };
    await cycles(100);
    const after100 = await measure(path('100.heapsnapshot'));
    await cycles(200);
    const after300 = await measure(path('300.heapsnapshot'));
    expect(after300.active).not.toHaveProperty('Timeout'); // no poll left ticking
    expectFlat(after100, after300, 200);
  });
});
