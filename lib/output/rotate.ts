import { constants } from 'node:fs';
import { copyFile, open, rename } from 'node:fs/promises';
import { randomName } from '../process/files.js';

/**
 * Copy-and-truncate rotation of a log that a child writes through an
 * O_APPEND descriptor: when the file is past `maxBytes`, `.1` … move up
 * one (the last, `.backups`, is dropped), the file is copied to `.1`, and
 * truncated in place; the child's next write lands at the new end. Resolves
 * with whether it rotated; a file that is not there, not a regular file or
 * cannot be read is left alone.
 *
 * What the child writes between the end of the copy and the truncation is
 * lost: the price of rotating a file whose writer cannot be asked to reopen
 * it (logrotate's `copytruncate` pays it too).
 */
export const rotateLog = async (path: string, maxBytes: number, backups: number): Promise<boolean> => {
  let handle;
  try {
    // O_NOFOLLOW: a symlink planted at a log is never what rxdaemon truncates (as root: /etc/passwd).
    handle = await open(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size <= maxBytes) return false;
    for (let k = backups - 1; k >= 1; k--) await renameIfThere(`${path}.${k}`, `${path}.${k + 1}`);
    const temp = `${path}.${randomName()}.tmp`;
    // Copied through the descriptor opened above (/proc/self/fd), so a name swapped since is not what is copied;
    // COPYFILE_EXCL creates the copy, never writes through something already there.
    await copyFile(`/proc/self/fd/${handle.fd}`, temp, constants.COPYFILE_EXCL);
    await rename(temp, `${path}.1`);
    await handle.truncate(0);
    return true;
  } catch {
    return false;
  } finally {
    await handle.close();
  }
};

const renameIfThere = async (from: string, to: string): Promise<void> => {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
};
