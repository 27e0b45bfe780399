import { linkSync, renameSync } from 'node:fs';
import { codeOf, problem, thrown } from './problem.js';
import { removeQuietly, writeTemp } from './temp-file.js';

/**
 * Atomically replaces `path` with `data`: a temp file in the same directory
 * opened O_CREAT|O_EXCL|O_NOFOLLOW|O_WRONLY with `mode`, written, closed,
 * renamed over `path` (rename replaces a symlink at `path` itself, never its
 * target). Sync. Throws an errno-style Error (with `code`) whose message
 * names the path and the reason. `durable` (the default) fsyncs the data
 * before the rename: 2–5 ms on a disk, worth it for records, not for a pid
 * file rewritten at every restart, whose process a power loss ends anyway.
 *
 * @example
 * writeFileSafe('/var/lib/app/pids/web.pid', `${pid}\n`, 0o600, false);
 */
export const writeFileSafe = (path: string, data: string, mode = 0o600, durable = true): void => {
  let temp: string | undefined;
  try {
    temp = writeTemp(path, data, mode, durable);
    renameSync(temp, path);
  } catch (error) {
    if (temp !== undefined) removeQuietly(temp);
    throw thrown(problem('write', path, error));
  }
};

/**
 * Creates `path` holding `data` only if nothing is there yet, a symlink
 * included: a temp file is written and then linked to `path` with link(2),
 * which never replaces a name, so the content is complete the moment the
 * name appears. Of several processes creating the same name at once,
 * exactly one gets `true`; the others get `false`. Sync. Throws like
 * {@link writeFileSafe} for any other failure.
 *
 * @example
 * if (!createFileSafe(join(dir, '7'), JSON.stringify(me))) retry();
 */
export const createFileSafe = (path: string, data: string, mode = 0o600): boolean => {
  let temp: string | undefined;
  try {
    temp = writeTemp(path, data, mode, true);
    linkSync(temp, path);
    return true;
  } catch (error) {
    if (codeOf(error) === 'EEXIST' && temp !== undefined) return false;
    throw thrown(problem('create', path, error));
  } finally {
    if (temp !== undefined) removeQuietly(temp);
  }
};
