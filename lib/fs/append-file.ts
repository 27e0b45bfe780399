import { closeSync, constants, fstatSync, openSync, type Stats } from 'node:fs';
import { ownFileRefusal } from './own-file.js';
import { problem, thrown, type FileProblem } from './problem.js';

const { O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_WRONLY } = constants;

/** Why an opened file is not one we may append to, or undefined when it is. */
const refusal = (path: string, stats: Stats): FileProblem | undefined =>
  // /dev/null and the like: what `--stdout /dev/null` means. Only root can plant a device node, and writing to one changes no file.
  stats.isCharacterDevice() ? undefined : ownFileRefusal('append to', path, stats);

/**
 * Opens `path` for appending (O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW, plus
 * O_NONBLOCK so a planted FIFO cannot hang us), creating it with `mode`.
 * Refuses (throws, with a code and a message naming the path and why) a
 * symlink, anything that is neither a regular file nor a character device
 * (`/dev/null`), a file with more than one hard link, and a file owned by
 * another user than the effective uid.
 * Returns the fd; on a regular file O_NONBLOCK changes nothing, so it can
 * be handed to a child as its stdout.
 *
 * @example
 * const fd = openAppendSafe('/var/lib/app/logs/web-stdout.log');
 */
export const openAppendSafe = (path: string, mode = 0o600): number => {
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (error) {
    throw thrown(problem('append to', path, error));
  }
  const refused = refusal(path, fstatSync(fd));
  if (refused === undefined) return fd;
  closeSync(fd);
  throw thrown(refused);
};
