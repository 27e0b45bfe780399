import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { codedError, errnoOf } from '../errno.js';

// Every file rxdaemon owns is written here, and nothing here follows a
// symlink: as root, a link planted at a pid file or a log must never let us
// replace, append to or chmod what it points at (/etc/passwd). The final
// component is what is guarded; the directories above it are the user's
// choice (/var/run is a symlink on many systems).

const { O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_WRONLY } = constants;

/** What went wrong, for programs (`code`) and for people (a message naming the path and the reason). */
export interface FileProblem {
  readonly code: string;
  readonly message: string;
}

/** An errno-style Error carrying a {@link FileProblem}. */
export const thrown = ({ code, message }: FileProblem): NodeJS.ErrnoException => codedError(code, message);

const codeOf = (error: unknown): string => errnoOf(error) ?? 'EUNKNOWN';

const KINDS: readonly (readonly [(stats: Stats) => boolean, string])[] = [
  [(stats) => stats.isSymbolicLink(), 'a symlink'],
  [(stats) => stats.isDirectory(), 'a directory'],
  [(stats) => stats.isFIFO(), 'a FIFO'],
  [(stats) => stats.isSocket(), 'a socket'],
  [(stats) => stats.isCharacterDevice() || stats.isBlockDevice(), 'a device'],
];

/** What is at a path, in words: "a symlink", "a FIFO" … */
export const kindOf = (stats: Stats): string => KINDS.find(([is]) => is(stats))?.[1] ?? 'a regular file';

/** What is at `path` itself, never what a link there points at. */
export const lstatOrUndefined = (path: string): Stats | undefined => {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
};

/**
 * Says what we tried on which path and why the OS refused. ELOOP (O_NOFOLLOW
 * met a symlink), ENXIO (a FIFO nobody reads) and the like say little to a
 * user, so what is there is named instead.
 */
export const problem = (verb: string, path: string, error: unknown): FileProblem => {
  const code = codeOf(error);
  const found = ['ELOOP', 'ENXIO', 'EISDIR', 'ENOTDIR'].includes(code) ? lstatOrUndefined(path) : undefined;
  if (found !== undefined && !found.isFile()) return { code, message: `cannot ${verb} ${path}: it is ${kindOf(found)}` };
  // Node's message is "CODE: reason, syscall 'path'": keep the reason; which path matters is ours to say.
  const { message } = error as Error;
  return { code, message: `cannot ${verb} ${path}: ${/^[A-Z0-9]+: (.*?), \w+ '/.exec(message)?.[1] ?? message}` };
};

/**
 * Twelve random hex digits, for a temp file's name: the last group of a
 * version 4 UUID, all random bits, taken from node's pool of random bytes
 * (a fifth of the cost of a randomBytes(6) of its own, paid at every pid
 * file's write). node:crypto is loaded by the first, not by
 * import('rxdaemon') (P7: cold start).
 */
export const randomName = (): string => process.getBuiltinModule('node:crypto').randomUUID().slice(-12);

/**
 * Writes `data` to a new temp file beside `path` (so a rename is atomic) and
 * returns its name. O_EXCL and O_NOFOLLOW: a name planted there, a symlink
 * included, is never opened. When `durable`, synced, so a power loss right
 * after the rename cannot leave an empty file behind the name.
 */
const writeTemp = (path: string, data: string, mode: number, durable: boolean): string => {
  const temp = join(dirname(path), `.${basename(path)}.${randomName()}.tmp`);
  const fd = openSync(temp, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY, mode);
  try {
    // The umask narrows what open() applies; the file's mode is the caller's.
    fchmodSync(fd, mode);
    writeFileSync(fd, data);
    if (durable) fsyncSync(fd);
    closeSync(fd);
  } catch (error) {
    closeSync(fd);
    removeQuietly(temp);
    throw error;
  }
  return temp;
};

const removeQuietly = (path: string): void => {
  try {
    unlinkSync(path);
  } catch {
    // Gone already, or the error that matters is the one being thrown.
  }
};

/**
 * Atomically replaces `path` with `data`: a temp file in the same directory
 * opened O_CREAT|O_EXCL|O_NOFOLLOW|O_WRONLY with `mode`, written, closed,
 * renamed over `path` (rename replaces a symlink at `path` itself, never its
 * target). Sync. Throws an errno-style Error (with `code`) whose message
 * names the path and the reason. `durable` (the default) fsyncs the data
 * before the rename: 2–5 ms on a disk, worth it for records, not for a pid
 * file rewritten at every restart, whose process a power loss ends anyway.
 *
 * @example
 * writeFileSafe('/var/lib/app/pids/web.pid', `${pid}\n`, 0o600, false);
 */
export const writeFileSafe = (path: string, data: string, mode = 0o600, durable = true): void => {
  let temp: string | undefined;
  try {
    temp = writeTemp(path, data, mode, durable);
    renameSync(temp, path);
  } catch (error) {
    if (temp !== undefined) removeQuietly(temp);
    throw thrown(problem('write', path, error));
  }
};

/**
 * Creates `path` holding `data` only if nothing is there yet, a symlink
 * included: a temp file is written and then linked to `path` with link(2),
 * which never replaces a name, so the content is complete the moment the
 * name appears. Of several processes creating the same name at once,
 * exactly one gets `true`; the others get `false`. Sync. Throws like
 * {@link writeFileSafe} for any other failure.
 *
 * @example
 * if (!createFileSafe(join(dir, '7'), JSON.stringify(me))) retry();
 */
export const createFileSafe = (path: string, data: string, mode = 0o600): boolean => {
  let temp: string | undefined;
  try {
    temp = writeTemp(path, data, mode, true);
    linkSync(temp, path);
    return true;
  } catch (error) {
    if (codeOf(error) === 'EEXIST' && temp !== undefined) return false;
    throw thrown(problem('create', path, error));
  } finally {
    if (temp !== undefined) removeQuietly(temp);
  }
};

/** The effective uid; the owner of what we check when the platform has none. */
const me = (owner: number): number => process.geteuid?.() ?? owner;

/**
 * Why an opened file is not one of ours to `verb` ("append to", "rotate"),
 * or undefined when it is: a regular file with one name, owned by the
 * effective uid.
 */
export const ownFileRefusal = (verb: string, path: string, stats: Stats): FileProblem | undefined => {
  if (!stats.isFile()) return { code: 'EINVAL', message: `cannot ${verb} ${path}: it is ${kindOf(stats)}, not a regular file` };
  // A second name for the file may be /etc/shadow, hard-linked there by someone who can write the directory.
  if (stats.nlink > 1) return { code: 'EMLINK', message: `cannot ${verb} ${path}: it has ${stats.nlink} hard links, not one` };
  if (stats.uid !== me(stats.uid)) return { code: 'EPERM', message: `cannot ${verb} ${path}: it is owned by uid ${stats.uid}, not by you (uid ${me(stats.uid)})` };
  return undefined;
};

/** Why an opened file is not one we may append to, or undefined when it is. */
const refusal = (path: string, stats: Stats): FileProblem | undefined =>
  // /dev/null and the like: what `--stdout /dev/null` means. Only root can plant a device node, and writing to one changes no file.
  stats.isCharacterDevice() ? undefined : ownFileRefusal('append to', path, stats);

/**
 * Opens `path` for appending (O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW, plus
 * O_NONBLOCK so a planted FIFO cannot hang us), creating it with `mode`.
 * Refuses (throws, with a code and a message naming the path and why) a
 * symlink, anything that is neither a regular file nor a character device
 * (`/dev/null`), a file with more than one hard link, and a file owned by
 * another user than the effective uid.
 * Returns the fd; on a regular file O_NONBLOCK changes nothing, so it can
 * be handed to a child as its stdout.
 *
 * @example
 * const fd = openAppendSafe('/var/lib/app/logs/web-stdout.log');
 */
export const openAppendSafe = (path: string, mode = 0o600): number => {
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (error) {
    throw thrown(problem('append to', path, error));
  }
  const refused = refusal(path, fstatSync(fd));
  if (refused === undefined) return fd;
  closeSync(fd);
  throw thrown(refused);
};

/**
 * Reads a regular file without following a symlink; `undefined` when it
 * does not exist; throws (code + message naming path and reason) for a
 * symlink, a non-regular file, or any other error (EACCES …).
 *
 * @example
 * const text = readFileSafe('/var/lib/app/snapshot.json') ?? '{}';
 */
export const readFileSafe = (path: string): string | undefined => {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw thrown(problem('read', path, error));
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw thrown({ code: 'EINVAL', message: `cannot read ${path}: it is ${kindOf(stats)}, not a regular file` });
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
};

/**
 * Removes `path` (a symlink is removed itself, never its target); a missing
 * file is fine.
 *
 * @example
 * removeFileSafe('/var/lib/app/pids/web.pid');
 */
export const removeFileSafe = (path: string): void => {
  try {
    unlinkSync(path);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw thrown(problem('remove', path, error));
  }
};

/**
 * `mkdir -p`, 0700, one level at a time. Node's own recursive mkdir never
 * returns where a parent refuses creation with ENOENT (a path under
 * /proc): it retries forever, and a manager given such a data dir hung.
 */
const makeDirs = (path: string): void => {
  const parent = dirname(path);
  if (parent !== path && lstatOrUndefined(parent) === undefined) makeDirs(parent);
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') throw error;
  }
};

/**
 * A private directory: created 0700 (with missing parents) when absent; an
 * existing one must be a real directory (not a symlink) owned by the
 * effective uid, and is made 0700 if its mode is anything else. Left says
 * why not, in words a user can act on ("/x is owned by uid 65534, not by
 * you (uid 0)", "/x is a symlink").
 *
 * @example
 * const ready = ensurePrivateDir('/var/lib/app/logs');
 * if (isLeft(ready)) console.error(ready.left.message);
 */
export const ensurePrivateDir = (path: string): Either<{ readonly code: string; readonly message: string }, void> => {
  try {
    makeDirs(path);
  } catch (error) {
    // Something that is not a directory is there (a file, a dangling link): the open below says what.
    if (lstatOrUndefined(path) === undefined) return left(problem('create the directory', path, error));
  }
  let fd: number;
  try {
    // Checked and chmodded through one descriptor, so the directory cannot be swapped for a link in between.
    fd = openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (error) {
    const found = lstatOrUndefined(path);
    if (found !== undefined && !found.isDirectory()) return left({ code: codeOf(error), message: `${path} is ${kindOf(found)}, not a directory` });
    return left(problem('open the directory', path, error));
  }
  try {
    const stats = fstatSync(fd);
    if (stats.uid !== me(stats.uid)) return left({ code: 'EPERM', message: `${path} is owned by uid ${stats.uid}, not by you (uid ${me(stats.uid)})` });
    if ((stats.mode & 0o7777) !== 0o700) fchmodSync(fd, 0o700);
    return right(undefined);
  } catch (error) {
    return left(problem('make private', path, error));
  } finally {
    closeSync(fd);
  }
};
