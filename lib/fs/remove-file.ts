import { unlinkSync } from 'node:fs';
import { codeOf, problem, thrown } from './problem.js';

/**
 * Removes `path` (a symlink is removed itself, never its target); a missing
 * file is fine.
 *
 * @example
 * removeFileSafe('/var/lib/app/pids/web.pid');
 */
export const removeFileSafe = (path: string): void => {
  try {
    unlinkSync(path);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw thrown(problem('remove', path, error));
  }
};
