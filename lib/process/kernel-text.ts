import { readFileSync, statSync } from 'node:fs';

/**
 * A file of /proc or /sys as text, read as latin1 (what the kernel shows,
 * a path or a command line, need not be UTF-8, and every byte is kept);
 * undefined when it cannot be read: gone, absent from this kernel, or not
 * this process's to read.
 *
 * @example
 * readKernelText('/proc/loadavg'); // '0.52 0.58 0.59 2/1043 81234\n'
 */
export const readKernelText = (path: string): string | undefined => {
  try {
    // A file of a controller that is not enabled (memory.events) is absent, and is asked for on every restart:
    // told by a stat that throws nothing, since an fs exception costs up to 1 ms where a source-map hook is installed.
    return statSync(path, { throwIfNoEntry: false }) === undefined ? undefined : readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
};
