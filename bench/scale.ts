// P6, opt-in (`npm run bench -- --scale`): 10,000 `sleep` daemons in one
// Manager with a data dir, each step in a fresh Node process against dist/
// (see scale-worker.mjs): start-all against a raw child_process.spawn loop
// of as many (run before and after it, their mean the baseline), idle CPU
// once every daemon is stable, stop-all; then a new manager adopting them
// all from the snapshot, its idle CPU once they are stable, and its
// stop-all. The limits are
// checked first; every process of the run is ended at the end, whatever
// happened (see marked.ts).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { processHeadroom, softLimit } from '../lib/process/limits.js';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { scopeOf } from '../lib/manager/open-data-dir.js';
import { discoverCgroups } from '../lib/process/cgroup/discovery.js';
import { removeCgroup, scopeCgroupOf } from '../lib/process/cgroup/layout.js';
import { mark, type Mark } from './marked.js';
import { IDLE_WINDOW_MS, note, type Row } from './measure.js';

const SCALE_WORKER = fileURLToPath(new URL('scale-worker.mjs', import.meta.url));
/** Descriptors the adopting manager needs besides one per adopted process (which it watches through its /proc/<pid>/statm). */
const SPARE_FILES = 256;
/** A step that has not ended by then has hung: the run fails, and its processes are ended. */
const STEP_TIMEOUT_MS = 240_000;

/** Why this machine cannot run `count` daemons at once, with how to change that; undefined when it can. */
const scaleBlocker = (count: number): string | undefined => {
  const headroom = processHeadroom(count);
  if (headroom !== undefined) {
    return `${headroom.limit} is ${headroom.value} with ${headroom.inUse} in use: no room for ${count} more processes (${headroom.raise})`;
  }
  const files = softLimit(readFileSync('/proc/self/limits', 'latin1'), 'Max open files');
  if (files !== undefined && files < count + SPARE_FILES) {
    return `RLIMIT_NOFILE is ${files}: a manager adopting ${count} processes holds a descriptor for each (ulimit -n ${count + SPARE_FILES})`;
  }
  return undefined;
};

const step = async <T>(run: Mark, args: readonly string[]): Promise<T> => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', SCALE_WORKER, ...args], {
    encoding: 'utf8',
    env: run.env,
    timeout: STEP_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  return JSON.parse(stdout) as T;
};

interface Raw { readonly ms: number; readonly killMs: number }
interface Managed { readonly startMs: number; readonly cpu: number; readonly stopMs: number }
interface Adopted { readonly restoreMs: number; readonly adopted: number; readonly cpu: number; readonly stopMs: number }

export const scale = async (count: number): Promise<Row[]> => {
  const blocker = scaleBlocker(count);
  if (blocker !== undefined) {
    note(`P6 not run: ${blocker}.`);
    return [];
  }
  const run = mark();
  const dataDir = mkdtempSync(join(tmpdir(), 'rxdaemon-bench-scale-'));
  // Within 8 s of the worker's gc(): see IDLE_WINDOW_MS.
  const windowMs = IDLE_WINDOW_MS;
  try {
    const before = await step<Raw>(run, ['raw', String(count)]);
    const managed = await step<Managed>(run, ['manage', String(count), dataDir, String(windowMs)]);
    const after = await step<Raw>(run, ['raw', String(count)]);
    const adopted = await step<Adopted>(run, ['adopt', String(count), dataDir, String(windowMs)]);
    const rawMs = (before.ms + after.ms) / 2;
    const rawKillMs = (before.killMs + after.killMs) / 2;
    const n = count.toLocaleString('en');
    return [
      { target: 'P6', subject: `child_process.spawn loop of ${n} \`sleep\` (baseline, mean of one before and one after)`, value: rawMs, unit: 'ms', ratio: 1 },
      { target: 'P6', subject: `start all ${n} (a Manager with a data dir: run() to the last \`started\`)`, value: managed.startMs, unit: 'ms', ratio: managed.startMs / rawMs, goal: '≤ 1.5×', met: managed.startMs / rawMs <= 1.5 },
      { target: 'P6', subject: `idle CPU, ${n} supervised, once every one is stable`, value: managed.cpu * 100, unit: '% of a core', goal: '≤ 1 %', met: managed.cpu <= 0.01 },
      { target: 'P6', subject: `SIGTERM to the ${n} of the spawn loop, until all are reaped (context)`, value: rawKillMs, unit: 'ms' },
      { target: 'P6', subject: `stop all ${n} supervised (kill())`, value: managed.stopMs, unit: 'ms', goal: '< 2000 ms', met: managed.stopMs < 2_000 },
      {
        target: 'P6',
        subject: `a new manager adopts ${adopted.adopted.toLocaleString('en')} of ${n} from the snapshot (run() to \`restored\`)`,
        value: adopted.restoreMs,
        unit: 'ms',
        goal: '< 2000 ms',
        met: adopted.adopted === count && adopted.restoreMs < 2_000,
      },
      { target: 'P6', subject: `idle CPU, ${n} adopted (polled at 1 Hz), once every one is stable`, value: adopted.cpu * 100, unit: '% of a core', goal: '≤ 1 %', met: adopted.cpu <= 0.01 },
      { target: 'P6', subject: `stop all ${n} adopted (kill())`, value: adopted.stopMs, unit: 'ms', goal: '< 2000 ms', met: adopted.stopMs < 2_000 },
    ];
  } finally {
    const left = run.killAll();
    if (left > 0) note(`P6: ${left} processes of the run were still there at its end, and were killed.`);
    // Under containment the managers made the data dir's cgroups, which a step killed at its timeout leaves behind.
    const cgroups = discoverCgroups();
    if (isRight(cgroups)) {
      const removed = removeCgroup(scopeCgroupOf(cgroups.right.root, scopeOf(dataDir)));
      if (isLeft(removed)) note(`P6: the run's cgroups were left: ${removed.left.message}`);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
};
