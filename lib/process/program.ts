import { accessSync, closeSync, constants, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, resolve } from 'node:path';
import * as t from 'io-ts';
import type { SpawnSpec } from './spawn-spec.js';

// Which file a spawn runs, found as exec finds it. Shared by the diagnosis
// of a failed spawn (spawn-failure.ts) and by the search for a spawn whose
// record a killed manager never wrote (spawned-scan.ts).

/** The PATH a child's lookup uses: its own environment's (the spec's, else the supervisor's unless dropped). */
export const searchPathOf = (spec: Pick<SpawnSpec, 'env' | 'dropEnv'>, env: NodeJS.ProcessEnv): string | undefined =>
  Object.hasOwn(spec.env, 'PATH') ? spec.env.PATH : spec.dropEnv.includes('PATH') ? undefined : env.PATH;

/**
 * Where exec looks for `command`, in order: the command itself (against
 * `cwd`) when it holds a '/', else `command` in each PATH entry (a relative
 * entry against `cwd`). Empty without a PATH.
 */
export const candidatesOf = (command: string, cwd: string, path: string | undefined): string[] =>
  command.includes('/') ? [resolve(cwd, command)] : (path ?? '').split(delimiter).map((dir) => resolve(cwd, dir, command));

/** The #! line of a script, split into words: the interpreter, then its arguments; undefined when it has none. */
export const shebangOf = (path: string): string[] | undefined => {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(256);
    const line = head.subarray(0, readSync(fd, head, 0, head.length, 0)).toString('latin1').split('\n')[0] ?? '';
    return line.startsWith('#!') ? line.slice(2).trim().split(/\s+/) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
};

/**
 * What decides which file a spawn runs: the command as given, the absolute
 * cwd it is resolved against, and the child's PATH. Both are kept whatever
 * the command: a #! script's `env` looks its program up on that PATH too.
 */
export const ProgramLookup = t.intersection([t.type({ command: t.string }), t.partial({ cwd: t.string, path: t.string })]);
export type ProgramLookup = t.TypeOf<typeof ProgramLookup>;

/** A spawn's {@link ProgramLookup}, its cwd made absolute against the supervisor's, as the child's is. */
export const programLookupOf = (spec: Pick<SpawnSpec, 'command' | 'cwd' | 'env' | 'dropEnv'>, inherited: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }): ProgramLookup => {
  const cwd = resolve(inherited.cwd, spec.cwd ?? '.');
  const path = searchPathOf(spec, inherited.env);
  return path === undefined ? { command: spec.command, cwd } : { command: spec.command, cwd, path };
};

const isRunnable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

// As the kernel shows it in /proc/<pid>/exe: every symlink resolved.
const real = (path: string): string => {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
};

/** The file exec would run: the first candidate that is an executable regular file. */
const programFile = ({ command, cwd = '/', path }: ProgramLookup): string | undefined => candidatesOf(command, cwd, path).find(isRunnable);

/**
 * The executables that a process started by a spawn of `program` shows as
 * /proc/<pid>/exe: the file exec runs, or for a #! script its interpreter,
 * and for `#!/usr/bin/env NAME` what `env` runs in turn (NAME on the same
 * PATH), every one with its symlinks resolved. Empty when nothing runnable
 * is found. A program that replaces itself with another (a wrapper ending
 * in `exec`) shows the last one, which no lookup can foresee.
 */
export const executablesOf = (program: ProgramLookup): string[] => {
  const file = programFile(program);
  if (file === undefined) return [];
  const shebang = shebangOf(file);
  const interpreter = shebang?.[0];
  if (interpreter === undefined) return [real(file)];
  const found = [real(interpreter)];
  // env's own options and VAR=value assignments come before the program it runs.
  const target = basename(interpreter) === 'env' ? shebang?.slice(1).find((word) => !word.startsWith('-') && !word.includes('=')) : undefined;
  const targetFile = target === undefined ? undefined : programFile({ ...program, command: target });
  return targetFile === undefined ? found : [...found, real(targetFile)];
};
