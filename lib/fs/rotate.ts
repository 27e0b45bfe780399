import { constants, fstatSync, ftruncateSync, readSync, writeSync, type Stats } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { ownFileRefusal } from './own-file.js';
import { codeOf, lstatOrUndefined, problem, thrown } from './problem.js';
import { tempPathBeside } from './temp-file.js';

/** How a rotation went: `true` when the file was rotated, `false` when it did not need it; an Error (with a `code`) when it failed. */
export type RotateOutcome = Either<Error & { readonly code?: string }, boolean>;

// The copy goes through this much at a time.
const CHUNK = 64 * 1024;

// One rotation of a path at a time, process-wide (two daemons sharing a log, two drivers): a second asker joins it.
const inFlight = new Map<string, Promise<RotateOutcome>>();
// How many times this process truncated each log: readers (lines$, the crash report) tell by it where unread bytes went.
const turns = new Map<string, number>();

/** How many times this process has rotated the log at `path` (resolved against the cwd). */
export const rotationsOf = (path: string): number => turns.get(resolve(path)) ?? 0;

/**
 * Copy-and-truncate rotation of a log that a child writes through an
 * O_APPEND descriptor: when the file is past `maxBytes`, it is copied, `.1`
 * … move up one (the last, `.backups`, is dropped), the copy becomes `.1`,
 * and the file is truncated in place; the child's next write lands at the
 * new end. A file that is not there, or not a regular file, does not need
 * it; one with a second hard link or owned by another user is refused (as
 * root, a link planted at a log must not let us truncate someone else's
 * file), as is a failed read or write: the outcome says why, and the copy
 * under way is removed. One rotation of a path runs at a time: a second
 * asker gets the outcome of the one under way.
 *
 * The bulk is copied asynchronously; then what the child wrote meanwhile
 * is copied synchronously, read until read() finds the end, and the file
 * is truncated in the same tick. What the child writes between that last
 * read and the truncation (two system calls apart) is lost: the price of
 * rotating a file whose writer cannot be asked to reopen it (logrotate's
 * `copytruncate` pays it too, over its whole copy).
 */
export const rotateLog = (path: string, maxBytes: number, backups: number): Promise<RotateOutcome> => {
  // Checked first, without opening anything: a check of a thousand small logs a second must cost next to nothing.
  const seen = lstatOrUndefined(path);
  if (seen === undefined || !seen.isFile() || seen.size <= maxBytes) return Promise.resolve(right(false));
  const key = resolve(path);
  const running = inFlight.get(key);
  if (running !== undefined) return running;
  const rotation = rotate(path, key, maxBytes, backups)
    .then((rotated) => right<NodeJS.ErrnoException, boolean>(rotated))
    .catch((error: unknown) => left<NodeJS.ErrnoException, boolean>(asError(path, error)))
    .finally(() => inFlight.delete(key));
  inFlight.set(key, rotation);
  return rotation;
};

const rotate = async (path: string, key: string, maxBytes: number, backups: number): Promise<boolean> => {
  // O_NOFOLLOW: a symlink planted at a log is never what rxdaemon truncates (as root: /etc/passwd).
  const source = await open(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stats = await source.stat();
    refuse(path, stats);
    if (stats.size <= maxBytes) return false;
    await copyAndTruncate(path, key, source, stats.size, backups);
    return true;
  } finally {
    await source.close();
  }
};

const copyAndTruncate = async (path: string, key: string, source: FileHandle, size: number, backups: number): Promise<void> => {
  const backup = `${path}.1`;
  let copyName = tempPathBeside(path);
  // O_EXCL|O_NOFOLLOW: a name planted there is never written through.
  const copy = await open(copyName, constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_WRONLY, 0o600);
  const { ino } = fstatSync(copy.fd);
  const buffer = Buffer.alloc(CHUNK);
  try {
    // The bulk, asynchronously: up to the size seen at the check, or to the end, should the file have shrunk since.
    let at = 0;
    for (let read = -1; at < size && read !== 0; at += read) {
      ({ bytesRead: read } = await source.read(buffer, 0, CHUNK, at));
      await writeAll(copy, buffer.subarray(0, read), at);
    }
    for (let k = backups - 1; k >= 1; k--) await renameIfThere(`${path}.${k}`, `${path}.${k + 1}`);
    await rename(copyName, backup);
    copyName = backup;
    // The rest, chased until read() finds the end, then the truncation, in one tick: of what the child writes, only
    // what lands between that last read and ftruncate, two system calls apart, is lost.
    for (let read = -1; read !== 0; at += read) {
      read = readSync(source.fd, buffer, 0, CHUNK, at);
      for (let written = 0; written < read; ) written += writeSync(copy.fd, buffer, written, read - written, at + written);
    }
    ftruncateSync(source.fd, 0);
    // Counted in the tick of the truncation: no reader sees the one without the other.
    turns.set(key, rotationsOf(key) + 1);
  } catch (error) {
    // The copy under way is not left behind (unless another file has taken its name since).
    if (lstatOrUndefined(copyName)?.ino === ino) await unlink(copyName).catch(() => undefined);
    throw error;
  } finally {
    await copy.close();
  }
};

const writeAll = async (copy: FileHandle, bytes: Buffer, at: number): Promise<void> => {
  for (let written = 0; written < bytes.length; ) written += (await copy.write(bytes, written, bytes.length - written, at + written)).bytesWritten;
};

/** Throws, naming the path and why, for a log rxdaemon must not rotate (see {@link ownFileRefusal}). */
const refuse = (path: string, stats: Stats): void => {
  const refused = ownFileRefusal('rotate', path, stats);
  if (refused !== undefined) throw thrown(refused);
};

/** A failure as the outcome says it: ours already name the path and why; the OS's get that said. */
const asError = (path: string, error: unknown): NodeJS.ErrnoException =>
  error instanceof Error && error.message.startsWith('cannot rotate') ? error : thrown(problem('rotate', path, error));

const renameIfThere = async (from: string, to: string): Promise<void> => {
  try {
    await rename(from, to);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw error;
  }
};
