import { readFileSync, rmSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import type { DaemonSnapshot } from '../snapshot/codec.js';

/** Reads a state file; undefined when there is none, or it is not JSON (restore then says why it is no snapshot). */
export const readState = (path: string): unknown => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
};

/** Writes the snapshot atomically, 0600; removes the file when there is no live process to record. */
export const writeState = (path: string, snapshot: DaemonSnapshot | undefined): void => {
  if (snapshot === undefined) rmSync(path, { force: true });
  else writeFileAtomic.sync(path, `${JSON.stringify(snapshot)}\n`, { mode: 0o600 });
};
