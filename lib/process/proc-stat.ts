import { readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat that supervision needs. */
export interface ProcStat {
  /** One letter: R, S, D, Z (zombie), X (dead), T, … */
  readonly state: string;
  readonly pgrp: number;
  readonly session: number;
  /** Field 22: clock ticks after boot at which the process started. Kept as text: it is compared, never computed with. */
  readonly startTime: string;
}

/**
 * Parses the text of /proc/<pid>/stat. The command name (field 2) is in
 * parentheses and may itself hold spaces and ')', so the fields are counted
 * from after the *last* ')'.
 */
export const parseProcStat = (text: string): ProcStat | undefined => {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const fields = text.slice(close + 2).trim().split(' ');
  const [state, , pgrp, session] = fields;
  const startTime = fields[22 - 3];
  if (state === undefined || pgrp === undefined || session === undefined || startTime === undefined || !/^\d+$/.test(startTime)) {
    return undefined;
  }
  return { state, pgrp: Number(pgrp), session: Number(session), startTime };
};

/** Whether the process has exited: a zombie (Z) not yet reaped, or dead (X). */
export const hasExited = (stat: ProcStat): boolean => stat.state === 'Z' || stat.state === 'X';

/** Reads /proc/<pid>/stat; undefined when the process is gone or the OS has no /proc. */
export const readProcStat = (pid: number): ProcStat | undefined => {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
};

/** This boot's id; null where the OS has none. */
export const readBootId = (): string | null => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim() || null;
  } catch {
    return null;
  }
};
