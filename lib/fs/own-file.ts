import type { Stats } from 'node:fs';
import { kindOf, type FileProblem } from './problem.js';

/** The effective uid; `owner`, the owner of what is checked, on a platform that has none. */
export const effectiveUid = (owner: number): number => process.geteuid?.() ?? owner;

/**
 * Why an opened file is not one of ours to `verb` ("append to", "rotate"),
 * or undefined when it is: a regular file with one name, owned by the
 * effective uid.
 */
export const ownFileRefusal = (verb: string, path: string, stats: Stats): FileProblem | undefined => {
  if (!stats.isFile()) return { code: 'EINVAL', message: `cannot ${verb} ${path}: it is ${kindOf(stats)}, not a regular file` };
  // A second name for the file may be /etc/shadow, hard-linked there by someone who can write the directory.
  if (stats.nlink > 1) return { code: 'EMLINK', message: `cannot ${verb} ${path}: it has ${stats.nlink} hard links, not one` };
  if (stats.uid !== effectiveUid(stats.uid)) return { code: 'EPERM', message: `cannot ${verb} ${path}: it is owned by uid ${stats.uid}, not by you (uid ${effectiveUid(stats.uid)})` };
  return undefined;
};
