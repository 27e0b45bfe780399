import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoOf } from '../../errno.js';

// What a cgroup holds, as cgroupfs lists it: the cgroups below it are its
// directories (cgroupfs holds no links, and the kernel's files are files),
// its processes the lines of its cgroup.procs. A cgroup that is gone holds
// nothing: it goes only once it is empty, so what was in it has ended.

/** Whether a failure says the cgroup is gone: ENOENT, or ENODEV (a file of a cgroup removed since it was opened). */
export const isGone = (error: unknown): boolean => errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENODEV';

/** What `read` lists, none when the cgroup is gone; any other failure thrown. */
const noneIfGone = <T>(read: () => T[]): T[] => {
  try {
    return read();
  } catch (error) {
    if (isGone(error)) return [];
    throw error;
  }
};

/**
 * The names of the cgroups directly below cgroup `dir`; none when it is
 * gone. Any other failure (EACCES) is thrown, for the caller to say.
 *
 * @example
 * childCgroups('/sys/fs/cgroup/rxd.service/rxd-a1b2c3'); // ['web', 'api']
 */
export const childCgroups = (dir: string): string[] =>
  noneIfGone(() => readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name));

/**
 * The pids of the processes of cgroup `dir` itself (its cgroup.procs, one
 * a line), not of those below it; none when it is gone. Any other failure
 * is thrown, for the caller to say.
 *
 * @example
 * procsOf('/sys/fs/cgroup/rxd.service/rxd-a1b2c3/web'); // [812, 9041]
 */
export const procsOf = (dir: string): number[] =>
  noneIfGone(() => readFileSync(join(dir, 'cgroup.procs'), 'latin1').split('\n').filter((line) => line !== '').map(Number));
