import { openSync, readSync } from 'node:fs';

/**
 * The time since boot in /proc/uptime's text (`4092.03 3450.60`: seconds
 * with two decimals), in centiseconds: the unit of a process's start time
 * (/proc/<pid>/stat field 22, in USER_HZ clock ticks, 100 a second on every
 * architecture Linux still runs on). Both count the same clock (boot time,
 * suspend included) and both are truncated, so a process forked after the
 * clock was read never shows a start time below it. Undefined for a text
 * that is not such a line.
 */
const parseUptimeTicks = (text: string): number | undefined => {
  const match = /^(\d+)\.(\d\d)/.exec(text);
  return match === null ? undefined : Number(match[1]) * 100 + Number(match[2]);
};

let uptime: number | null | undefined;
const buffer = Buffer.alloc(64);

/**
 * Ticks since boot ({@link parseUptimeTicks}), or null where there is no
 * /proc/uptime. Read at every spawn under a manager (M8), so the file is
 * opened once and read again at offset 0, which makes the kernel write it
 * anew: about 1 µs, against 10 µs for an open, a read and a close.
 */
export const readUptimeTicks = (): number | null => {
  if (uptime === undefined) {
    try {
      // Opened with O_CLOEXEC, as node opens every file: no child inherits it.
      uptime = openSync('/proc/uptime', 'r');
    } catch {
      uptime = null;
    }
  }
  if (uptime === null) return null;
  try {
    return parseUptimeTicks(buffer.toString('latin1', 0, readSync(uptime, buffer, 0, buffer.length, 0))) ?? null;
  } catch {
    return null;
  }
};

/** USER_HZ: /proc counts time since boot in ticks of 10 ms, on every architecture Linux still runs on. */
export const MS_PER_TICK = 10;

/**
 * When something that began `startTicks` after boot began, on a clock that
 * reads `now` while the time since boot is `nowTicks`: the moment of the
 * boot on that clock, plus the ticks. So a process's start time from
 * /proc/<pid>/stat lands on the scheduler's clock, whatever that clock is.
 */
export const startedAtOnClock = ({ startTicks, nowTicks, now }: { readonly startTicks: number; readonly nowTicks: number; readonly now: number }): number => {
  const bootAt = now - nowTicks * MS_PER_TICK;
  return bootAt + startTicks * MS_PER_TICK;
};
