import { closeSync, constants, lstatSync, openSync, readSync } from 'node:fs';
import { rotationsOf } from './rotate.js';

/** What a file looks like now: its size and inode, and how many times it was rotated. */
export interface FileLook {
  readonly size: number;
  readonly ino: number;
  /**
   * How many times the driver has rotated (copied and truncated) it so far:
   * when this changed since a reader's last look, what the reader had not
   * read yet is in `.1` (`.2` … after more than one). Undefined from a
   * source that does not count: a reader goes by the size shrinking.
   */
  readonly rotations?: number;
}

/** How many rotations a file went through since a reader took `before` from an earlier look; 0 when either does not count them. */
export const rotationsSince = (before: number | undefined, look: FileLook): number =>
  before === undefined || look.rotations === undefined ? 0 : look.rotations - before;

/**
 * How a daemon's output files are read (by `lines$` and for the crash
 * report): the file system's, or a FakeDriver's files in memory.
 */
export interface FileSource {
  /** The file's size and inode; undefined when there is no regular file there. */
  look(path: string): FileLook | undefined;
  /** Up to `length` bytes at `offset`; fewer at the end of the file, none when it cannot be read. */
  read(path: string, offset: number, length: number): Uint8Array;
}

// O_NOFOLLOW: an output file is never written through a symlink (openAppendSafe), so one planted there is not what
// the daemon wrote. O_NONBLOCK: a FIFO put in the file's place cannot hang the reader.
const withFile = <T>(path: string, use: (fd: number) => T): T | undefined => {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    return use(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
};

/**
 * The file system: a look is one lstat (a symlink or a FIFO is no regular
 * file, so it is not looked through; a thousand daemons ending together
 * each look at their logs), a read goes through a descriptor opened for it;
 * rotations are those of this process.
 */
export const fileSystem: FileSource = {
  look: (path) => {
    let stats;
    try {
      stats = lstatSync(path, { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
    return stats?.isFile() === true ? { size: stats.size, ino: stats.ino, rotations: rotationsOf(path) } : undefined;
  },
  read: (path, offset, length) =>
    withFile(path, (fd) => {
      const buffer = Buffer.alloc(length);
      return buffer.subarray(0, readSync(fd, buffer, 0, length, offset));
    }) ?? Buffer.alloc(0),
};
