import { constants, openSync } from 'node:fs';
import { join } from 'node:path';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { problem, type FileProblem } from '../../fs/problem.js';

// Join before exec. Node has no clone3(CLONE_INTO_CGROUP), and a child
// moved after spawn() returns has already run its program, whose first fork
// may have escaped. So the child moves itself, between fork and exec,
// through POSIX sh: "0" written to a cgroup.procs moves the writer. The
// file is opened by the supervisor and handed down as descriptor 3, so
// that the kernel checks the move with the opener's credentials (Linux
// 5.16, and the stable kernels it was backported to): a child that already
// dropped to a service's uid may still join. The descriptor is closed in
// the same exec, so no descriptor of the supervisor's reaches the program.
// A failed join ends the child with 125 before the program runs: never a
// program outside its cgroup.
//
// Measured against the other way, the supervisor moving itself into the
// service's cgroup around a synchronous spawn (bench/containment.ts): that
// costs less per restart, but bills the supervisor's fork to the service's
// cpu.stat and memory, counts its threads against the service's pids.max
// (so a pidsMax below them fails every spawn), throttles it under the
// service's cpu.max, and lets an OOM kill in the service's cgroup pick the
// supervisor.

/** The shell that joins: the one every system has. */
export const JOIN_SHELL = '/bin/sh';

/** The descriptor the child finds its cgroup's cgroup.procs at. */
export const JOIN_FD = 3;

/** Its exit code when it could not join: the program did not run. */
export const JOIN_FAILED = 125;

const JOIN_SCRIPT = `echo 0 >&${JOIN_FD} || exit ${JOIN_FAILED}; exec "$@" ${JOIN_FD}>&-`;

/**
 * The command that runs `command args` inside the cgroup whose
 * cgroup.procs the child holds at descriptor {@link JOIN_FD} (see
 * {@link openCgroupProcs}): `/bin/sh -c '…' rxdaemon-join command args…`.
 * The program keeps its pid, its argv and its environment, but for what
 * the shell sets on the way: `PWD` (to the working directory), and under
 * bash also `SHLVL` and `_`. A program that is not found ends the child
 * with 127, as the shell says, instead of failing the spawn.
 *
 * @example
 * const { command, args } = joinedCommand('nginx', ['-g', 'daemon off;']);
 * spawn(command, args, { stdio: ['ignore', out, err, procsFd], detached: true });
 */
export const joinedCommand = (command: string, args: readonly string[]): { readonly command: string; readonly args: readonly string[] } => ({
  command: JOIN_SHELL,
  args: ['-c', JOIN_SCRIPT, 'rxdaemon-join', command, ...args],
});

/**
 * Opens the cgroup.procs of cgroup `dir` for writing, for a child to join
 * through (see {@link joinedCommand}); the caller closes it once the child
 * is spawned (it holds its own copy). Left when it cannot be opened: the
 * cgroup is gone, or this process may not write it.
 */
export const openCgroupProcs = (dir: string): Either<FileProblem, number> => {
  const procs = join(dir, 'cgroup.procs');
  try {
    // O_NOFOLLOW: the root given by a user may hold a link; the kernel's own file never is one.
    return right(openSync(procs, constants.O_WRONLY | constants.O_NOFOLLOW));
  } catch (error) {
    return left(problem('open', procs, error));
  }
};
