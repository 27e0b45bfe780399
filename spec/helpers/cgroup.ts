import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, lstatSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isLeft, type Either } from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, beforeEach } from 'vitest';
import { discoverCgroups, type CgroupHierarchy } from '../../lib/process/cgroup/discovery.js';
import { joinedCommand, openCgroupProcs } from '../../lib/process/cgroup/join.js';
import { killCgroup } from '../../lib/process/cgroup/kill.js';
import { createServiceCgroup, removeCgroup, scopeCgroupOf } from '../../lib/process/cgroup/layout.js';
import { populated$ } from '../../lib/process/cgroup/populated.js';
import { scopeOf } from '../../lib/manager/open-data-dir.js';

const found = discoverCgroups();

/** This machine's writable cgroup v2 hierarchy, or undefined where there is none (the cgroup specs then skip). */
export const hierarchy: CgroupHierarchy | undefined = isLeft(found) ? undefined : found.right;

/** Why the cgroup specs skip here, or undefined when they run. */
export const noCgroups: string | undefined = isLeft(found) ? `no writable cgroup v2 here: ${found.left.message}` : undefined;

/** The right of an Either, or a failure naming its left. */
export const must = <T>(either: Either<{ readonly message: string }, T>): T => {
  if (isLeft(either)) throw new Error(either.left.message);
  return either.right;
};

/** Resolves once cgroup `dir` holds no process, or fails after `deadlineMs`. */
export const emptied = (dir: string, deadlineMs = 5_000): Promise<unknown> =>
  firstValueFrom(populated$(dir).pipe(filter((populated) => !populated), timeout(deadlineMs)));

/** Resolves once cgroup `dir` holds a process, or fails after `deadlineMs`. */
export const populated = (dir: string, deadlineMs = 5_000): Promise<unknown> => firstValueFrom(populated$(dir).pipe(filter(Boolean), timeout(deadlineMs)));

/** Kills every process of cgroup `dir` and below, waits until it is empty, and removes it, leaves first. */
export const endCgroup = async (dir: string): Promise<void> => {
  must(killCgroup(dir));
  await emptied(dir);
  must(removeCgroup(dir));
};

/** What one test's cgroup scope is: its root, its name, its directory, and a service's cgroup in it. */
export interface CgroupScope {
  readonly root: string;
  readonly scope: string;
  readonly dir: string;
  service(id: string): string;
}

/**
 * A scope of its own for each test (`<root>/rxd-spec-<pid>-<random>`),
 * made on first use; after the test, however it ended, every process in it
 * is killed and the whole scope removed, leaves first.
 */
export const cgroupScopePerTest = (): (() => CgroupScope) => {
  let current: CgroupScope | undefined;
  beforeEach(() => {
    if (hierarchy === undefined) return;
    const { root } = hierarchy;
    const scope = `spec-${process.pid}-${randomBytes(4).toString('hex')}`;
    current = { root, scope, dir: scopeCgroupOf(root, scope), service: (id) => must(createServiceCgroup(root, scope, id)) };
  });
  afterEach(async () => {
    if (current === undefined) return;
    const { dir } = current;
    current = undefined;
    await endCgroup(dir);
  });
  return () => {
    if (current === undefined) throw new Error('the cgroup scope is made before each test, where cgroups can be had: read it inside one');
    return current;
  };
};

/** Spawns `command args` joined to cgroup `dir` before its program runs, as rxdaemon does. */
export const spawnJoined = (dir: string, command: string, args: readonly string[], options: Omit<SpawnOptions, 'stdio'> = {}): ChildProcess => {
  const procs = must(openCgroupProcs(dir));
  try {
    const joined = joinedCommand(command, args);
    return spawn(joined.command, [...joined.args], { ...options, stdio: ['ignore', 'ignore', 'inherit', procs] });
  } finally {
    closeSync(procs);
  }
};

/**
 * For specs whose managers make cgroups of a data dir's scope: call it
 * before the sandbox's own hooks are registered (vitest runs after-hooks
 * last registered first, so this one runs once the sandbox has ended the
 * managers). `track(dataDir)` (the dir made) names the scope's cgroup;
 * after the test, however it ended, every process in it is killed and it
 * is removed, leaves first.
 */
export const scopeCgroupPerTest = (): ((dataDir: string) => string) => {
  let tracked: string | undefined;
  afterEach(async () => {
    const dir = tracked;
    tracked = undefined;
    if (dir === undefined || lstatSync(dir, { throwIfNoEntry: false }) === undefined) return;
    await endCgroup(dir);
  });
  return (dataDir) => {
    tracked = scopeCgroupOf(hierarchy?.root ?? '/', scopeOf(dataDir));
    return tracked;
  };
};
