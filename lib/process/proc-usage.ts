import { readFileSync } from 'node:fs';
import { arch, endianness } from 'node:os';
import { fieldsAfterName } from './proc-stat.js';
import { readUptimeTicks } from './uptime.js';

/** What a process has cost so far, as /proc tells it. */
export interface ProcUsage {
  /** User and system CPU time (stat fields 14 and 15), in clock ticks (USER_HZ: 100 a second). */
  readonly cpuTicks: number;
  /** When it started (stat field 22), in ticks after boot. */
  readonly startTicks: number;
  /** When this was read, in ticks after boot. */
  readonly atTicks: number;
  /** Its resident memory: statm's second field (pages) times the page size. */
  readonly rssBytes: number;
}

const isCount = (field: string | undefined): field is string => field !== undefined && /^\d+$/.test(field);

/** utime + stime and the start time of a /proc/<pid>/stat text; undefined for a text that is not such a line. */
export const parseCpuTicks = (text: string): { readonly cpuTicks: number; readonly startTicks: number } | undefined => {
  const fields = fieldsAfterName(text);
  const [utime, stime, start] = [fields?.[14 - 3], fields?.[15 - 3], fields?.[22 - 3]];
  if (!isCount(utime) || !isCount(stime) || !isCount(start)) return undefined;
  return { cpuTicks: Number(utime) + Number(stime), startTicks: Number(start) };
};

/** The resident pages of a /proc/<pid>/statm text (`size resident shared …`). */
export const parseResidentPages = (text: string): number | undefined => {
  const resident = text.split(' ')[1];
  return isCount(resident) ? Number(resident) : undefined;
};

// auxv's AT_PAGESZ entry: the kernel's page size, which node does not expose (4 KiB on x86, 16 or 64 KiB on some arm64 kernels).
const AT_PAGESZ = 6n;
let pageSize: number | undefined;

/** The page size, from /proc/self/auxv (pairs of native 64-bit words); 4096 where that cannot be read (a 32-bit node, whose pages are 4 KiB). */
const readPageSize = (): number => {
  if (!['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el'].includes(arch())) return 4096;
  try {
    const auxv = readFileSync('/proc/self/auxv');
    const word = (at: number): bigint => (endianness() === 'LE' ? auxv.readBigUInt64LE(at) : auxv.readBigUInt64BE(at));
    for (let at = 0; at + 16 <= auxv.length; at += 16) {
      if (word(at) === AT_PAGESZ) return Number(word(at + 8));
      // AT_NULL ends the vector.
      if (word(at) === 0n) break;
    }
  } catch {
    // No /proc: the caller finds no usage either.
  }
  return 4096;
};

/**
 * What process `pid` has cost so far, from /proc/<pid>/stat and statm;
 * undefined when it is gone or cannot be seen (another user's under
 * `hidepid`, no /proc).
 *
 * @example
 * const usage = readProcUsage(process.pid); // { cpuTicks: 12, startTicks: 41870, atTicks: 41990, rssBytes: 48955392 }
 */
export const readProcUsage = (pid: number): ProcUsage | undefined => {
  try {
    const cpu = parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'latin1'));
    const pages = parseResidentPages(readFileSync(`/proc/${pid}/statm`, 'latin1'));
    const atTicks = readUptimeTicks();
    if (cpu === undefined || pages === undefined || atTicks === null) return undefined;
    return { ...cpu, atTicks, rssBytes: pages * (pageSize ??= readPageSize()) };
  } catch {
    return undefined;
  }
};
