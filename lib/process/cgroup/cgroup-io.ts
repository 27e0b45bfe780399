import { accessSync, constants, lstatSync, statfsSync } from 'node:fs';
import { release } from 'node:os';
import { readKernelText } from '../kernel-text.js';

/** What is at a path, never following a symlink there: a directory of a cgroup v2 file system, or what else. */
export type PathKind = 'cgroup2' | 'directory' | 'symlink' | 'other' | 'missing';

/**
 * How discovery looks at the system: the real one ({@link systemCgroupIo}),
 * or a spec's stand-in, so that every refusal can be proven without a
 * machine that has it.
 */
export interface CgroupIo {
  /** A file's text, or undefined when it cannot be read. */
  readText(path: string): string | undefined;
  /** Whether this process may write to `path` (access(2) W_OK: its mode, its owner, a read-only mount). */
  mayWrite(path: string): boolean;
  /** What is at `path` itself. */
  kindOf(path: string): PathKind;
  /** The kernel's release (`6.8.0-45-generic`). */
  kernelRelease(): string;
}

// statfs(2)'s f_type of cgroup2 (include/uapi/linux/magic.h).
const CGROUP2_SUPER_MAGIC = 0x63677270;

/** The system as it is: /proc, /sys/fs/cgroup and uname. */
export const systemCgroupIo: CgroupIo = {
  readText: readKernelText,
  mayWrite: (path) => {
    try {
      accessSync(path, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  },
  kindOf: (path) => {
    try {
      const stats = lstatSync(path, { throwIfNoEntry: false });
      if (stats === undefined) return 'missing';
      if (stats.isSymbolicLink()) return 'symlink';
      if (!stats.isDirectory()) return 'other';
      // lstat said a directory, so statfs (which follows links) looks at that very directory.
      return statfsSync(path).type === CGROUP2_SUPER_MAGIC ? 'cgroup2' : 'directory';
    } catch {
      // A directory on the way that cannot be searched: nothing this process can use.
      return 'missing';
    }
  },
  kernelRelease: release,
};
