import { rotationsSince, type FileLook, type FileSource } from '../fs/file-source.js';

// The crash report reads at most this much of the end of a file: enough for
// any sane number of lines, and a bound on what an exit costs.
const MAX_TAIL_BYTES = 64 * 1024;

/** A stretch of one file that holds a run's output: from `start` to its `size`. */
interface Stretch {
  readonly file: string;
  readonly start: number;
  readonly size: number;
}

/**
 * Where a run's output is, newest first. When both counts are known and the
 * file was rotated since the run began, that is the file from its start,
 * the whole copies of the later rotations, and the copy of the first from
 * where the run began (`.1` … `.n`). Otherwise the file from where the run
 * began, or from its start when it is shorter (truncated since).
 */
const stretchesOf = (source: FileSource, path: string, look: FileLook, from: number, rotationsAtStart: number | undefined): Stretch[] => {
  const turned = rotationsSince(rotationsAtStart, look);
  if (turned <= 0) return [{ file: path, start: from > look.size ? 0 : from, size: look.size }];
  const copies = Array.from({ length: turned }, (_, k): Stretch => {
    const file = `${path}.${k + 1}`;
    return { file, start: k + 1 === turned ? from : 0, size: source.look(file)?.size ?? 0 };
  });
  return [{ file: path, start: 0, size: look.size }, ...copies];
};

/**
 * The last `count` lines of a file, from `from` (where the run's output
 * began) on; an empty list when the file cannot be read. A trailing newline
 * ends the last line; it does not add an empty one. With
 * `rotationsAtStart`, the file's `FileLook.rotations` when the run began, a
 * rotation since is followed into the copies (`.1` …): the lines are the
 * run's, in order, whether or not the file regrew past `from`.
 */
export const readTail = (source: FileSource, path: string, from: number, count: number, rotationsAtStart?: number): string[] => {
  const look = count === 0 ? undefined : source.look(path);
  if (look === undefined) return [];
  const pieces: Uint8Array[] = [];
  // One byte more than is kept: a read that begins mid-output sees whether its first line is whole.
  let wanted = MAX_TAIL_BYTES + 1;
  let cut = false;
  for (const { file, start, size } of stretchesOf(source, path, look, from, rotationsAtStart)) {
    const available = Math.max(0, size - start);
    const take = Math.min(available, wanted);
    // Nothing to take is not worth opening the file for: the common end of a quiet daemon.
    if (take > 0) pieces.unshift(source.read(file, size - take, take));
    wanted -= take;
    cut = take < available;
    if (cut) break;
  }
  const lines = Buffer.concat(pieces).toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  // The early byte is a newline (an empty first entry) or the end of a line cut short: either way not a line.
  if (cut) lines.shift();
  return lines.slice(-count);
};
