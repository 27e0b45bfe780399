// Small helpers shared by the benchmarks: clocks, medians, idle CPU, the table.
import { readFileSync } from 'node:fs';

/** The median of some numbers. */
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

/** Milliseconds since an arbitrary origin, with sub-ms resolution. */
export const now = (): number => performance.now();

/** Waits `ms` of wall time. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long an idle window may last: V8's memory reducer starts a full
 * collection 8 s after a mark-compact that freed memory (a gc() included),
 * and a later one pushes it 8 s on, so a window that ends within 8 s of a
 * gc() holds none. A 10 s window caught one at 10,000 daemons: several % of
 * a core that had nothing to do with them.
 */
export const IDLE_WINDOW_MS = 7_000;

/** The main thread's voluntary context switches: the times it went to sleep and was woken. */
const wakeups = (): number => Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1] ?? NaN);

/**
 * Share of one core this process used over `windowMs` (at most
 * {@link IDLE_WINDOW_MS}) of wall time, right after a gc() (run with
 * --expose-gc) of the garbage made before, and the main thread's wakeups a
 * second: a figure the load of a shared machine does not move.
 */
export const idle = async (windowMs = IDLE_WINDOW_MS): Promise<{ percent: number; wakeupsPerSecond: number }> => {
  if (windowMs > IDLE_WINDOW_MS) throw new RangeError(`an idle window of ${windowMs} ms may hold a collection of V8's memory reducer: at most ${IDLE_WINDOW_MS} ms`);
  (globalThis as { gc?: () => void }).gc?.();
  await sleep(500);
  const [cpu, woken, start] = [process.cpuUsage(), wakeups(), now()];
  await sleep(windowMs);
  const used = process.cpuUsage(cpu);
  const ms = now() - start;
  return { percent: (100 * (used.user + used.system)) / 1_000 / ms, wakeupsPerSecond: ((wakeups() - woken) * 1_000) / ms };
};

/** What `read` returns, or '' when it throws (a file not written yet, a tool that has nothing to say yet). */
export const textOr = (read: () => string): string => {
  try {
    return read();
  } catch {
    return '';
  }
};

/** One row of the benchmark table. */
export interface Row {
  readonly target: string;
  readonly subject: string;
  readonly value: number;
  readonly unit: string;
  /** The ratio against the baseline measured in the same run, when there is one. */
  readonly ratio?: number;
  /** The target, in words (e.g. `≤ 1.3×`). */
  readonly goal?: string;
  /** Whether the row meets its goal; absent for context rows. */
  readonly met?: boolean;
}

const fmt = (value: number): string => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

/** The table, as Markdown, so it can be pasted into the README as it is. */
export const table = (rows: readonly Row[]): string =>
  [
    '| target | subject | median | × baseline | goal | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${[
          row.target,
          row.subject,
          `${fmt(row.value)} ${row.unit}`,
          row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`,
          row.goal ?? '',
          row.met === undefined ? '' : row.met ? 'yes' : '**no**',
        ].join(' | ')} |`,
    ),
  ].join('\n');

/** Lines printed under the table: what was skipped, and why. */
export const notes: string[] = [];

/** A line for the end of the run (and said at once on stderr, where progress goes). */
export const note = (line: string): void => {
  notes.push(line);
  process.stderr.write(`${line}\n`);
};
