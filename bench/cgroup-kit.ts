// What the containment benchmarks share: cgroups made, joined, watched, and
// the idle cost of this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, readFileSync } from 'node:fs';
import { isLeft, type Either } from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom } from 'rxjs';
import { joinedCommand, openCgroupProcs } from '../lib/process/cgroup/join.js';
import { populated$ } from '../lib/process/cgroup/populated.js';
import { sleep } from './measure.js';

/** The right of an Either, or a throw naming its left. */
export const must = <T>(either: Either<{ readonly message: string }, T>): T => {
  if (isLeft(either)) throw new Error(either.left.message);
  return either.right;
};

/** Resolves when `child` has exited. */
export const exited = (child: ChildProcess): Promise<unknown> =>
  new Promise((resolve, reject) => {
    child.once('exit', resolve);
    child.once('error', reject);
  });

/** Resolves once cgroup `dir` holds no process. */
export const emptied = (dir: string): Promise<unknown> => firstValueFrom(populated$(dir).pipe(filter((populated) => !populated)));

/** Starts `sleep` joined to cgroup `dir` before it runs, as rxdaemon does; it may not have joined yet on return. */
export const joinedSleeper = (dir: string): ChildProcess => {
  const procs = must(openCgroupProcs(dir));
  try {
    const { command, args } = joinedCommand('sleep', ['1000']);
    return spawn(command, [...args], { stdio: ['ignore', 'ignore', 'ignore', procs], detached: true });
  } finally {
    closeSync(procs);
  }
};

/** Starts `sleep` joined to cgroup `dir`, and waits until the cgroup says it is populated. */
export const sleeperIn = async (dir: string): Promise<ChildProcess> => {
  const child = joinedSleeper(dir);
  await firstValueFrom(populated$(dir).pipe(filter(Boolean)));
  return child;
};

/** The times the main thread went to sleep and was woken: its voluntary context switches. */
const wakeups = (): number => Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1] ?? NaN);

/**
 * Share of one core this process used over `ms` of wall time, once a GC has
 * run, and the main thread's wakeups a second: a figure the load of a
 * shared machine does not move.
 */
export const idle = async (ms: number): Promise<{ percent: number; wakeupsPerSecond: number }> => {
  (globalThis as { gc?: () => void }).gc?.();
  // V8's memory reducer collects some seconds after allocation stops (0.17 % of a core over the next 20 s,
  // where 10,000 watches idle cost 0.02 %): let it, before measuring.
  await sleep(Math.min(8_000, ms));
  const [cpu, woken] = [process.cpuUsage(), wakeups()];
  await sleep(ms);
  const used = process.cpuUsage(cpu);
  return { percent: (100 * (used.user + used.system)) / 1_000 / ms, wakeupsPerSecond: ((wakeups() - woken) * 1_000) / ms };
};
