import { readFileSync } from 'node:fs';

/**
 * What /proc tells of a process. `gone`: no longer there, or a zombie.
 * `dying`: a SIGKILL is pending or its exit has begun (PF_EXITING), and
 * nothing can save it now. The kernel acts on a SIGKILL only once its target
 * next runs, so right after kill(2) the target is still running for a
 * while; and an exit takes a while too (its memory is freed before its
 * descriptors are closed). `alive`: neither.
 */
export type Fate = 'gone' | 'dying' | 'alive';

const SIGKILL_BIT = 1n << 8n; // signal 9 in the hex masks of /proc/<pid>/status
const PF_EXITING = 0x4; // in the flags of /proc/<pid>/stat

/** The fields of /proc/<pid>/stat after the command name, which ends at the last ')': state ppid pgrp session tty tpgid flags … Throws when the process is gone. */
export const statFields = (pid: number): string[] => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
};

/** The {@link Fate} of a process. */
export const fate = (pid: number): Fate => {
  let fields: string[];
  let status: string;
  try {
    fields = statFields(pid);
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return 'gone';
  }
  const [state, , , , , , flags] = fields;
  if (state === 'Z' || state === 'X') return 'gone';
  const pending = (mask: string) => BigInt(`0x${new RegExp(`^${mask}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1] ?? '0'}`);
  const killed = ((pending('SigPnd') | pending('ShdPnd')) & SIGKILL_BIT) !== 0n;
  return killed || (Number(flags) & PF_EXITING) !== 0 ? 'dying' : 'alive';
};
