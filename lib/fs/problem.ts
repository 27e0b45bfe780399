import { lstatSync, type Stats } from 'node:fs';
import { codedError, errnoOf } from '../errno.js';

// Every file rxdaemon owns is written through fs/, and nothing here follows
// a symlink: as root, a link planted at a pid file or a log must never let
// us replace, append to or chmod what it points at (/etc/passwd). The final
// component is what is guarded; the directories above it are the user's
// choice (/var/run is a symlink on many systems).

// Its own file, with no import of node's: the public declarations name it (the cgroups seam), and a user's compiler without @types/node reads them.
export type { FileProblem } from './file-problem.js';
import type { FileProblem } from './file-problem.js';

/** An errno-style Error carrying a {@link FileProblem}. */
export const thrown = ({ code, message }: FileProblem): NodeJS.ErrnoException => codedError(code, message);

/** The errno code of a failure, `EUNKNOWN` when it has none. */
export const codeOf = (error: unknown): string => errnoOf(error) ?? 'EUNKNOWN';

const KINDS: readonly (readonly [(stats: Stats) => boolean, string])[] = [
  [(stats) => stats.isSymbolicLink(), 'a symlink'],
  [(stats) => stats.isDirectory(), 'a directory'],
  [(stats) => stats.isFIFO(), 'a FIFO'],
  [(stats) => stats.isSocket(), 'a socket'],
  [(stats) => stats.isCharacterDevice() || stats.isBlockDevice(), 'a device'],
];

/** What is at a path, in words: "a symlink", "a FIFO" … */
export const kindOf = (stats: Stats): string => KINDS.find(([is]) => is(stats))?.[1] ?? 'a regular file';

/** What is at `path` itself, never what a link there points at. */
export const lstatOrUndefined = (path: string): Stats | undefined => {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
};

/**
 * Says what we tried on which path and why the OS refused. ELOOP (O_NOFOLLOW
 * met a symlink), ENXIO (a FIFO nobody reads) and the like say little to a
 * user, so what is there is named instead.
 */
export const problem = (verb: string, path: string, error: unknown): FileProblem => {
  const code = codeOf(error);
  const found = ['ELOOP', 'ENXIO', 'EISDIR', 'ENOTDIR'].includes(code) ? lstatOrUndefined(path) : undefined;
  if (found !== undefined && !found.isFile()) return { code, message: `cannot ${verb} ${path}: it is ${kindOf(found)}` };
  // Node's message is "CODE: reason, syscall 'path'": keep the reason; which path matters is ours to say.
  const { message } = error as Error;
  return { code, message: `cannot ${verb} ${path}: ${/^[A-Z0-9]+: (.*?), \w+ '/.exec(message)?.[1] ?? message}` };
};
