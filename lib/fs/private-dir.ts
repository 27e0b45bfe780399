import { closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { effectiveUid } from './own-file.js';
import { codeOf, kindOf, lstatOrUndefined, problem, type FileProblem } from './problem.js';

const { O_DIRECTORY, O_NOFOLLOW, O_RDONLY } = constants;

/**
 * `mkdir -p`, 0700, one level at a time. Node's own recursive mkdir never
 * returns where a parent refuses creation with ENOENT (a path under
 * /proc): it retries forever, and a manager given such a data dir hung.
 */
const makeDirs = (path: string): void => {
  const parent = dirname(path);
  if (parent !== path && lstatOrUndefined(parent) === undefined) makeDirs(parent);
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') throw error;
  }
};

/**
 * A private directory: created 0700 (with missing parents) when absent; an
 * existing one must be a real directory (not a symlink) owned by the
 * effective uid, and is made 0700 if its mode is anything else. Left says
 * why not, in words a user can act on ("/x is owned by uid 65534, not by
 * you (uid 0)", "/x is a symlink").
 *
 * @example
 * const ready = ensurePrivateDir('/var/lib/app/logs');
 * if (isLeft(ready)) console.error(ready.left.message);
 */
export const ensurePrivateDir = (path: string): Either<FileProblem, void> => {
  try {
    makeDirs(path);
  } catch (error) {
    // Something that is not a directory is there (a file, a dangling link): the open below says what.
    if (lstatOrUndefined(path) === undefined) return left(problem('create the directory', path, error));
  }
  let fd: number;
  try {
    // Checked and chmodded through one descriptor, so the directory cannot be swapped for a link in between.
    fd = openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (error) {
    const found = lstatOrUndefined(path);
    if (found !== undefined && !found.isDirectory()) return left({ code: codeOf(error), message: `${path} is ${kindOf(found)}, not a directory` });
    return left(problem('open the directory', path, error));
  }
  try {
    const stats = fstatSync(fd);
    if (stats.uid !== effectiveUid(stats.uid)) return left({ code: 'EPERM', message: `${path} is owned by uid ${stats.uid}, not by you (uid ${effectiveUid(stats.uid)})` });
    if ((stats.mode & 0o7777) !== 0o700) fchmodSync(fd, 0o700);
    return right(undefined);
  } catch (error) {
    return left(problem('make private', path, error));
  } finally {
    closeSync(fd);
  }
};
