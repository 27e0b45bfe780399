import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { errnoOf } from '../errno.js';

/** The fields of /proc/<pid>/stat that supervision needs. */
export interface ProcStat {
  /** One letter: R, S, D, Z (zombie), X (dead), T, … */
  readonly state: string;
  /** Its parent: init (or a subreaper) once the parent is gone. */
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  /** Field 22: clock ticks after boot at which the process started. Kept as text: it is compared, never computed with. */
  readonly startTime: string;
}

/**
 * The fields of a /proc/<pid>/stat text after the command name: `fields[0]`
 * is field 3 (the state), so field n is `fields[n - 3]`. The name ends at the
 * *last* ')' (see {@link parseProcStat}). Undefined for a text that is not
 * such a line.
 */
export const fieldsAfterName = (text: string): string[] | undefined => {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open || !/^\d+$/.test(text.slice(0, open))) return undefined;
  return text.slice(close + 1).trim().split(' ');
};

/**
 * Parses the text of /proc/<pid>/stat: `pid (comm) state ppid pgrp session …`.
 * The command name (field 2) is whatever the process called itself, up to
 * 15 bytes, and may hold spaces, newlines, '(' and ')' (`a) b`, `x) R 1 1`):
 * only the *last* ')' of the text ends it, since no later field can hold
 * one. Undefined for a text that is not such a line.
 */
export const parseProcStat = (text: string): ProcStat | undefined => {
  const fields = fieldsAfterName(text);
  if (fields === undefined) return undefined;
  const [state, ppid, pgrp, session] = fields;
  const startTime = fields[22 - 3];
  const isNumber = (field: string | undefined): field is string => field !== undefined && /^\d+$/.test(field);
  if (state === undefined || !/^[A-Za-z]$/.test(state) || !isNumber(ppid) || !isNumber(pgrp) || !isNumber(session) || !isNumber(startTime)) {
    return undefined;
  }
  return { state, ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session), startTime };
};

/** Whether the process has exited: a zombie (Z) not yet reaped, or dead (X). */
export const hasExited = (stat: ProcStat): boolean => stat.state === 'Z' || stat.state === 'X';

/**
 * What a look at /proc/<pid>/stat found. Only ENOENT and ESRCH mean the
 * process is gone; EACCES or EPERM (a /proc mounted with `hidepid`), no /proc
 * at all, or a text that does not parse mean we cannot see it, which says
 * nothing about whether it lives.
 */
export type ProcStatLook =
  | { readonly kind: 'found'; readonly stat: ProcStat }
  | { readonly kind: 'gone' }
  | { readonly kind: 'hidden'; readonly reason: string };

let procMounted: boolean | undefined;
// Without /proc, every pid is ENOENT: that is blindness, not absence.
const hasProc = (): boolean => (procMounted ??= existsSync('/proc/self/stat'));

/** Reads /proc/<pid>/stat, telling a process that is gone from one we cannot see. */
export const lookUpProcStat = (pid: number): ProcStatLook => {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (error) {
    const code = errnoOf(error) ?? 'an unknown error';
    if ((code === 'ENOENT' || code === 'ESRCH') && hasProc()) return { kind: 'gone' };
    return { kind: 'hidden', reason: code === 'ENOENT' ? 'there is no /proc' : `/proc/${pid}/stat: ${code}` };
  }
  const stat = parseProcStat(text);
  return stat === undefined ? { kind: 'hidden', reason: `/proc/${pid}/stat does not parse` } : { kind: 'found', stat };
};

/**
 * The stat of a process, or undefined when it cannot be read for any reason.
 * Use it only where that reason does not matter (one's own pid); where gone
 * and unseen lead to different acts, use {@link lookUpProcStat}.
 */
export const readProcStat = (pid: number): ProcStat | undefined => {
  const look = lookUpProcStat(pid);
  return look.kind === 'found' ? look.stat : undefined;
};

/** The pids /proc lists now (under `proc`, by default the system's); none where it cannot be read. */
export const procPids = (proc = '/proc'): number[] => {
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    return [];
  }
  return entries.filter((entry) => /^\d+$/.test(entry)).map(Number);
};

/** This boot's id; null where the OS has none. */
export const readBootId = (): string | null => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim() || null;
  } catch {
    return null;
  }
};
