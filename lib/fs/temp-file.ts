import { closeSync, constants, fchmodSync, fsyncSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY } = constants;

/**
 * Twelve random hex digits, for a temp file's name: the last group of a
 * version 4 UUID, all random bits, taken from node's pool of random bytes
 * (a fifth of the cost of a randomBytes(6) of its own, paid at every pid
 * file's write). node:crypto is loaded by the first, not by
 * import('rxdaemon') (P7: cold start).
 */
const randomName = (): string => process.getBuiltinModule('node:crypto').randomUUID().slice(-12);

/** A fresh hidden name beside `path`, in its directory, so that a rename of it onto `path` is atomic. */
export const tempPathBeside = (path: string): string => join(dirname(path), `.${basename(path)}.${randomName()}.tmp`);

/** Removes a temp file, saying nothing when it cannot. */
export const removeQuietly = (path: string): void => {
  try {
    unlinkSync(path);
  } catch {
    // Gone already, or the error that matters is the one being thrown.
  }
};

/**
 * Writes `data` to a new temp file beside `path` and returns its name.
 * O_EXCL and O_NOFOLLOW: a name planted there, a symlink included, is
 * never opened. When `durable`, synced, so a power loss right after the
 * rename cannot leave an empty file behind the name.
 */
export const writeTemp = (path: string, data: string, mode: number, durable: boolean): string => {
  const temp = tempPathBeside(path);
  const fd = openSync(temp, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY, mode);
  try {
    // The umask narrows what open() applies; the file's mode is the caller's.
    fchmodSync(fd, mode);
    writeFileSync(fd, data);
    if (durable) fsyncSync(fd);
    closeSync(fd);
  } catch (error) {
    closeSync(fd);
    removeQuietly(temp);
    throw error;
  }
  return temp;
};
