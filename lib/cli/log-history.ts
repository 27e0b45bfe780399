import { lstatSync } from 'node:fs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { lastLines } from '../manager/log-lines.js';
import type { ShownLine } from './format.js';
import type { LogTarget } from './log-targets.js';

/** Where following a log begins: just after the last newline the history read. */
export interface LogStart extends LogTarget {
  readonly from: number;
}

/** The history of several logs: their last lines, merged; where each log's lines to come begin; the logs that could not be read, saying why. */
export interface LogHistory {
  readonly lines: readonly ShownLine[];
  readonly starts: readonly LogStart[];
  readonly problems: readonly string[];
  /** The targets with not a byte in them (nor in their `.1`). */
  readonly empty: readonly LogTarget[];
}

const modifiedAt = (path: string): number => lstatSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const isEmpty = (path: string): boolean => [path, `${path}.1`].every((file) => (lstatSync(file, { throwIfNoEntry: false })?.size ?? 0) === 0);

/**
 * How many of its last lines each log shows, `count` in all: shared evenly,
 * a log with fewer lines than its share leaving the rest to the others, the
 * odd ones to the logs laid last. `available` in the order they are laid.
 */
const shares = (available: readonly number[], count: number): number[] => {
  const taken = available.map(() => 0);
  let left = count;
  // The smallest first: what they cannot take goes to the larger ones.
  const order = available.map((lines, i) => ({ lines, i })).sort((a, b) => a.lines - b.lines || a.i - b.i);
  order.forEach(({ lines, i }, k) => {
    const take = Math.min(lines, Math.floor(left / (order.length - k)));
    taken[i] = take;
    left -= take;
  });
  return taken;
};

/**
 * The last `count` lines of several logs together. A log carries no time
 * for its lines, so the order of lines of two logs cannot be known: `count`
 * is shared among the logs (see {@link shares}), so that a quiet log is
 * not pushed out by a busy one; each log's lines stay in their order, and
 * the logs are laid one after the other, the one written to last (its
 * modification time) last. A line still being written (no
 * newline yet) ends its log's lines unless `follow`, where it is shown once
 * whole, as the log is followed from just after the last newline.
 *
 * @example
 * const { lines } = logHistory([{ id: 'web', stream: 'stdout', path: '/var/lib/rxdaemon/logs/web-stdout.log' }], 20, false);
 */
export const logHistory = (targets: readonly LogTarget[], count: number, follow: boolean): LogHistory => {
  const read: { target: LogTarget; lines: readonly string[]; at: number }[] = [];
  const starts: LogStart[] = [];
  const problems: string[] = [];
  for (const target of targets) {
    const last = lastLines(target.path, count);
    if (isLeft(last)) {
      problems.push(`cannot read ${target.path}: ${last.left}`);
      continue;
    }
    const { lines, partial, end } = last.right ?? { lines: [], partial: '', end: 0 };
    read.push({ target, lines: follow || partial === '' ? lines : [...lines, partial], at: modifiedAt(target.path) });
    starts.push({ ...target, from: end });
  }
  // A stable sort: logs written to in the same instant keep the order they were asked for in.
  const laid = read.sort((a, b) => a.at - b.at);
  const taken = shares(laid.map(({ lines }) => lines.length), count);
  const lines = laid.flatMap(({ target: { id, stream }, lines: own }, i) => own.slice(own.length - (taken[i] ?? 0)).map((text) => ({ id, stream, text })));
  return { lines, starts, problems, empty: targets.filter((target) => isEmpty(target.path)) };
};
