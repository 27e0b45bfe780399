import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { errorFields } from '../events.js';
import { readFileSafe } from '../fs/read-file.js';
import { removeFileSafe } from '../fs/remove-file.js';
import { writeFileSafe } from '../fs/write-file.js';
import type { DaemonSnapshot } from '../snapshot/codec.js';

/**
 * Reads a `--state` file without following a symlink: undefined when there
 * is none, its JSON otherwise (restore then decides whether it is a
 * snapshot). A file that cannot be read (EACCES, a directory, a symlink) or
 * is not JSON is a Left saying what was found: it may record a process that
 * still runs, so it is never taken for "no state".
 */
export const readState = (path: string): Either<string, unknown> => {
  let text: string | undefined;
  try {
    text = readFileSafe(path);
  } catch (error) {
    return left(errorFields(error).message);
  }
  if (text === undefined) return right(undefined);
  try {
    return right(JSON.parse(text));
  } catch (error) {
    return left(`${path} is not JSON (${errorFields(error).message})`);
  }
};

/**
 * Records the snapshot atomically, 0600, never through a symlink; removes
 * the file when there is no live process to record. A Left says why it
 * could not.
 */
export const writeState = (path: string, snapshot: DaemonSnapshot | undefined): Either<string, void> => {
  try {
    if (snapshot === undefined) removeFileSafe(path);
    else writeFileSafe(path, `${JSON.stringify(snapshot)}\n`);
    return right(undefined);
  } catch (error) {
    return left(errorFields(error).message);
  }
};
