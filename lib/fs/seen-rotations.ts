import { fileSystem, type FileSource } from './file-source.js';

/** What a path looked like at the last look: its size and the inode of its `.1`. */
interface Seen {
  readonly size: number;
  readonly backup: number | undefined;
  readonly rotations: number;
}

/**
 * A source that counts the rotations of files that another process rotates
 * (a manager, for `rxdaemon logs -f`), which `FileLook.rotations` of the
 * file system cannot: it counts only this process's. A rotation copies the
 * file to a new `.1` (a new inode: the copy is renamed into place) and then
 * truncates the file; a look that finds both since the last one counts one.
 * Neither alone is one: a `.1` renamed in but the file not yet truncated is
 * a rotation under way, and a file that shrank with the same `.1` was
 * truncated by someone else, which a reader reads again from its start. A
 * reader then reads the rest of what it had not read from `.1` (see
 * `lineReader`), so no line is lost to a rotation between two looks. Two
 * rotations between two looks count as one: the older copy's rest is lost.
 *
 * @example
 * lines$('/var/lib/rxdaemon/logs/web-stdout.log', { source: seenRotations() }).subscribe((line) => console.log(line));
 */
export const seenRotations = (source: FileSource = fileSystem): FileSource => {
  const seen = new Map<string, Seen>();
  return {
    look: (path) => {
      const now = source.look(path);
      if (now === undefined) return undefined;
      const backup = source.look(`${path}.1`)?.ino;
      const before = seen.get(path);
      const rotated = before !== undefined && now.size < before.size && backup !== undefined && backup !== before.backup;
      const rotations = (before?.rotations ?? 0) + (rotated ? 1 : 0);
      seen.set(path, { size: now.size, backup, rotations });
      return { size: now.size, ino: now.ino, rotations };
    },
    read: (path, offset, length) => source.read(path, offset, length),
  };
};
