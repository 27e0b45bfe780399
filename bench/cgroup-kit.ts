// What the containment benchmarks share: cgroups made, joined and watched.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { isLeft, type Either } from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom } from 'rxjs';
import { joinedCommand, openCgroupProcs } from '../lib/process/cgroup/join.js';
import { isPopulated, populated$ } from '../lib/process/cgroup/populated.js';
import { now, sleep } from './measure.js';

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

/** Starts `command` joined to cgroup `dir` before it runs, as rxdaemon does; it may not have joined yet on return. */
export const joined = (dir: string, command: string, args: readonly string[] = []): ChildProcess => {
  const procs = must(openCgroupProcs(dir));
  try {
    const joining = joinedCommand(command, args);
    return spawn(joining.command, [...joining.args], { stdio: ['ignore', 'ignore', 'ignore', procs], detached: true });
  } finally {
    closeSync(procs);
  }
};

/** Starts `sleep` joined to cgroup `dir` before it runs; it may not have joined yet on return. */
const joinedSleeper = (dir: string): ChildProcess => joined(dir, 'sleep', ['1000']);

/** ms per cycle of a loop that spawns one child (`spawnOne`) and waits for its exit, `cycles` times. */
export const perCycle = async (cycles: number, spawnOne: () => ChildProcess): Promise<number> => {
  const start = now();
  for (let i = 0; i < cycles; i++) await exited(spawnOne());
  return (now() - start) / cycles;
};

/** Starts `sleep` joined to cgroup `dir`, and waits until the cgroup says it is populated. */
export const sleeperIn = async (dir: string): Promise<ChildProcess> => {
  const child = joinedSleeper(dir);
  await firstValueFrom(populated$(dir).pipe(filter(Boolean)));
  return child;
};

/** Starts `sleep` joined to each cgroup of `dirs`, and waits until every one says it is populated (looked at, not watched: 10,000 watches would be the bench's own cost). */
export const sleepersIn = async (dirs: readonly string[]): Promise<ChildProcess[]> => {
  const children = dirs.map(joinedSleeper);
  while (dirs.some((dir) => !isPopulated(dir))) await sleep(10);
  return children;
};
