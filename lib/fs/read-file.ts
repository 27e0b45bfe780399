import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { codeOf, kindOf, problem, thrown } from './problem.js';

const { O_NOFOLLOW, O_NONBLOCK, O_RDONLY } = constants;

/**
 * Reads a regular file without following a symlink; `undefined` when it
 * does not exist; throws (code + message naming path and reason) for a
 * symlink, a non-regular file, or any other error (EACCES …).
 *
 * @example
 * const text = readFileSafe('/var/lib/app/snapshot.json') ?? '{}';
 */
export const readFileSafe = (path: string): string | undefined => {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw thrown(problem('read', path, error));
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw thrown({ code: 'EINVAL', message: `cannot read ${path}: it is ${kindOf(stats)}, not a regular file` });
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
};
