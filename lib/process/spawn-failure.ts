import { statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SpawnFailure } from './processes.js';
import type { SpawnSpec } from './spawn-spec.js';
import { candidatesOf, searchPathOf, shebangOf } from './program.js';
import { errnoOf, syscallOf } from '../errno.js';

// After a spawn failed, the OS has said one errno (ENOENT for a missing
// binary, a missing cwd and a missing interpreter alike). This looks again,
// off the hot path, at what the spawn needed, and names what is wrong. No
// message holds the token or a variable's value; PATH is shown, as the list
// that was searched.


/** What is at a path (following links, as exec and chdir do), or the errno that says why nothing is. */
const look = (path: string): { readonly stats: Stats } | { readonly code: string } => {
  try {
    return { stats: statSync(path) };
  } catch (error) {
    return { code: errnoOf(error) ?? 'EUNKNOWN' };
  }
};

const missing = (code: string): string => (code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'has a file where a directory should be on its way' : `cannot be reached (${code})`);

/** A directory the spawn needed (its cwd, an output file's), and what is wrong with it. */
const directoryProblem = (what: string, path: string): string | undefined => {
  const found = look(path);
  if ('code' in found) return `${what} ${path} ${missing(found.code)}`;
  return found.stats.isDirectory() ? undefined : `${what} ${path} is not a directory`;
};

/** The output file that could not be opened: its directory, else what opening it said (files.ts names the path and why). */
const outputProblem = (spec: SpawnSpec, error: unknown): string | undefined => {
  const message = error instanceof Error ? error.message : '';
  for (const [name, target] of [['stdout', spec.stdout], ['stderr', spec.stderr]] as const) {
    if (typeof target === 'string') continue;
    const dir = directoryProblem(`the directory of its ${name} file ${target.file},`, dirname(resolve(target.file)));
    if (dir !== undefined) return dir;
    if (message.includes(target.file)) return `its ${name} file: ${message}`;
  }
  return undefined;
};

/** What is wrong with the program itself, found where exec would look for it, with the errno exec gives for it. */
const programProblem = (spec: SpawnSpec, code: string, env: NodeJS.ProcessEnv): { readonly code: string; readonly cause: string } | undefined => {
  const cwd = spec.cwd ?? process.cwd();
  const { command } = spec;
  const path = searchPathOf(spec, env);
  const candidates = candidatesOf(command, cwd, path);
  const found = candidates.map((candidate) => ({ candidate, at: look(candidate) })).find(({ at }) => 'stats' in at);
  const enoent = (cause: string) => ({ code: 'ENOENT', cause });
  const eacces = (cause: string) => ({ code: 'EACCES', cause });
  if (found === undefined || !('stats' in found.at)) {
    if (command.includes('/')) return enoent(`${candidates[0] ?? command} does not exist`);
    return enoent(path === undefined || path === '' ? `${command} cannot be looked up: there is no PATH` : `${command} is not in PATH (searched: ${path})`);
  }
  const { candidate, at } = found;
  if (at.stats.isDirectory()) return eacces(`${candidate} is a directory`);
  if (!at.stats.isFile()) return eacces(`${candidate} is not a regular file`);
  if ((at.stats.mode & 0o111) === 0) return eacces(`${candidate} is not executable (mode ${(at.stats.mode & 0o777).toString(8).padStart(4, '0')})`);
  const interpreter = shebangOf(candidate)?.[0];
  if (code === 'ENOENT' && interpreter !== undefined && 'code' in look(interpreter)) return enoent(`its interpreter ${interpreter} (the #! line of ${candidate}) does not exist`);
  if (code === 'EACCES') return eacces(`${candidate} cannot be run: permission denied (a noexec mount, or a directory on its way that cannot be searched)`);
  return undefined;
};

/** What the OS said, in words, where looking again finds nothing more precise. */
const REASONS: Readonly<Record<string, string>> = {
  E2BIG: 'its arguments and environment are too long for the OS',
  EMFILE: 'this process has too many open files',
  ENFILE: 'the system has too many open files',
  EAGAIN: 'too many processes',
  ENOMEM: 'not enough memory',
};

/** Why the spawn failed, in words; undefined when nothing more than the errno can be said. */
const diagnose = (spec: SpawnSpec, error: unknown, env: NodeJS.ProcessEnv): string | undefined => {
  const code = errnoOf(error) ?? 'EUNKNOWN';
  // child_process marks its own failures `syscall: 'spawn …'`; anything else was thrown while opening an output file.
  const launched = syscallOf(error)?.startsWith('spawn') === true;
  if (!launched) return outputProblem(spec, error);
  if (spec.cwd !== undefined) {
    const cwd = directoryProblem('its working directory', spec.cwd);
    if (cwd !== undefined) return cwd;
  }
  if (code === 'EPERM' && (spec.uid !== undefined || spec.gid !== undefined)) {
    return `switching to uid ${String(spec.uid ?? '(same)')} and gid ${String(spec.gid ?? '(same)')} is not permitted`;
  }
  return programProblem(spec, code, env)?.cause ?? REASONS[code];
};

/**
 * The `spawn-failed` error of a spawn that failed with `error`: an
 * errno-style code and a message naming the real cause (a missing binary
 * with the PATH searched, one that is not executable, a missing cwd, a
 * missing directory of an output file, a missing #! interpreter …). Call it
 * only after a failure: it looks at the file system again.
 *
 * @example
 * spawnFailure({ ...spec, cwd: '/nope' }, error).message; // 'spawn sleep: its working directory /nope does not exist (ENOENT)'
 */
export const spawnFailure = (spec: SpawnSpec, error: unknown, env: NodeJS.ProcessEnv = process.env): SpawnFailure => {
  const code = errnoOf(error) ?? 'EUNKNOWN';
  const cause = diagnose(spec, error, env);
  if (cause !== undefined) return { code, message: `spawn ${spec.command}: ${cause} (${code})` };
  // Built from the errno alone: a launcher's own message can quote more of
  // the command than an event should carry, and the token must never reach one.
  const reason = error instanceof Error && errnoOf(error) === undefined ? `: ${error.message.split('\n')[0] ?? ''}` : '';
  return { code, message: `spawn ${spec.command} ${code}${reason}` };
};

/**
 * The failure a spawn would meet over its program (missing, not in PATH,
 * not executable, a missing #! interpreter), looked for before the spawn:
 * for a child that runs its program through the cgroup join's shell, whose
 * exec of a missing program is an exit (127), not a failed spawn.
 */
export const programFailure = (spec: SpawnSpec, env: NodeJS.ProcessEnv = process.env): SpawnFailure | undefined => {
  const problem = programProblem(spec, 'ENOENT', env);
  return problem === undefined ? undefined : { code: problem.code, message: `spawn ${spec.command}: ${problem.cause} (${problem.code})` };
};
