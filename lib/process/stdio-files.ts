import { closeSync, fstatSync } from 'node:fs';
import type { OutputStart } from './processes.js';
import type { Stdio } from './spawn-spec.js';
import { openAppendSafe } from '../fs/append-file.js';

/** What child_process takes for one stdio slot. */
export type NativeStdio = 'ignore' | 'inherit' | number;

/**
 * Opens the files a child writes to, for append and 0600 (a log can hold
 * secrets), never through a symlink and never a FIFO, another user's file
 * or one with a second hard link ({@link openAppendSafe}), and hands them
 * over as raw descriptors: the child gets its own
 * copy of each, so it goes on writing after the supervisor is gone, which a
 * stream piped through the parent would not. The caller closes them right
 * after the spawn. If one fails to open, those already opened are closed.
 */
export const openStdio = (stdout: Stdio, stderr: Stdio): [NativeStdio, NativeStdio] => {
  const out = open(stdout);
  try {
    return [out, open(stderr)];
  } catch (error) {
    closeStdio([out]);
    throw error;
  }
};

const open = (target: Stdio): NativeStdio => (typeof target === 'string' ? target : openAppendSafe(target.file));

/** How long each output file is before the child writes to it: where this run's output begins. */
export const outputStartOf = ([stdout, stderr]: readonly NativeStdio[]): OutputStart => ({
  ...(typeof stdout === 'number' ? { stdout: fstatSync(stdout).size } : {}),
  ...(typeof stderr === 'number' ? { stderr: fstatSync(stderr).size } : {}),
});

/** Closes the supervisor's copies of the descriptors {@link openStdio} opened. */
export const closeStdio = (stdio: readonly NativeStdio[]): void => {
  for (const fd of stdio) if (typeof fd === 'number') closeSync(fd);
};
