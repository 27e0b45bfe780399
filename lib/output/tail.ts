import type { FileSource } from './file-source.js';

// The crash report reads at most this much of the end of a file: enough for
// any sane number of lines, and a bound on what an exit costs.
const MAX_TAIL_BYTES = 64 * 1024;

/**
 * The last `count` lines of a file, from `from` (where the run's output
 * began) on; an empty list when the file cannot be read. A trailing newline
 * ends the last line; it does not add an empty one.
 */
export const readTail = (source: FileSource, path: string, from: number, count: number): string[] => {
  const look = count === 0 ? undefined : source.look(path);
  if (look === undefined) return [];
  const { size } = look;
  // A file truncated since the run began (a rotation) holds this run's output from its start.
  const base = from > size ? 0 : from;
  // A read that begins mid-output starts one byte early, to see whether its first line is whole.
  const cut = size - base > MAX_TAIL_BYTES;
  const start = cut ? size - MAX_TAIL_BYTES - 1 : base;
  const lines = source.read(path, start, size - start).toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  // The early byte is a newline (an empty first entry) or the end of a line cut short: either way not a line.
  if (cut) lines.shift();
  return lines.slice(-count);
};
