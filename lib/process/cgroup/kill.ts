import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { problem, type FileProblem } from '../../fs/problem.js';
import { childCgroups, isGone, procsOf } from './contents.js';

// How many times the fallback lists the processes and signals what is new:
// a process forking while it is signalled adds one generation a round.
const MAX_ROUNDS = 100;

/** The pids of cgroup `dir` and of every cgroup below it; none once it is gone. */
const membersOf = (dir: string): number[] => [...procsOf(dir), ...childCgroups(dir).flatMap((child) => membersOf(join(dir, child)))];

/** Writes `value` to one of the cgroup's files; false when the file is not there (a kernel without it, or the cgroup gone). */
const writeIfThere = (file: string, value: string): boolean => {
  try {
    writeFileSync(file, value);
    return true;
  } catch (error) {
    if (isGone(error)) return false;
    throw error;
  }
};

/** Thaws a cgroup frozen for the kill: a thaw that fails where the freeze worked leaves nothing better to do. */
const thaw = (freeze: string): void => {
  try {
    writeIfThere(freeze, '0');
  } catch {
    // The cgroup's next run then starts frozen, which its readiness check (or its user) will see.
  }
};

/** SIGKILLs the processes of the cgroup until a listing holds none not yet signalled; false when they were still forking after MAX_ROUNDS. */
const signalUntilNoneNew = (dir: string): boolean => {
  const signalled = new Set<number>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const fresh = membersOf(dir).filter((pid) => !signalled.has(pid));
    if (fresh.length === 0) return true;
    for (const pid of fresh) {
      signalled.add(pid);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ESRCH: it exited since the listing.
      }
    }
  }
  return false;
};

/**
 * The kill of a kernel without `cgroup.kill` (before 5.14): SIGKILL to
 * every process of the cgroup and of those below it, listed again until a
 * listing holds none not yet signalled. A SIGKILLed process forks no more
 * (the kernel aborts a fork under way when a fatal signal is pending), so
 * each round can only find children forked before the last round's signals
 * landed. Where the kernel has `cgroup.freeze` (5.2), the cgroup is frozen
 * meanwhile, so nothing forks and a listed process exits only by our
 * signal (its pid is not handed to another before it gets it); it is
 * thawed after (the cgroup is kept for the next run), and the signalled
 * processes die. Left when processes are still found after
 * {@link MAX_ROUNDS} rounds, or a file cannot be used; a cgroup already
 * gone is success.
 */
export const signalEachMember = (dir: string): Either<FileProblem, void> => {
  const freeze = join(dir, 'cgroup.freeze');
  let frozen = false;
  let emptied: boolean;
  try {
    frozen = writeIfThere(freeze, '1');
    emptied = signalUntilNoneNew(dir);
  } catch (error) {
    return left(problem('end the processes of the cgroup', dir, error));
  } finally {
    if (frozen) thaw(freeze);
  }
  return emptied ? right(undefined) : left({ code: 'EAGAIN', message: `cannot end the processes of the cgroup ${dir}: they were still forking after ${MAX_ROUNDS} rounds of SIGKILL` });
};

/**
 * Ends every process of cgroup `dir` and of the cgroups below it, setsid
 * escapees and double-forked daemons included: one write of "1" to its
 * `cgroup.kill` (Linux 5.14), which SIGKILLs them all in the kernel, with
 * no pid read and so no pid reused by mistake; without that file,
 * {@link signalEachMember}. It returns once the signals are sent: the
 * processes are gone when `cgroup.events` says `populated 0` (see
 * `populated$`). A cgroup already gone is success.
 *
 * @example
 * killCgroup('/sys/fs/cgroup/rxd.service/rxd-a1b2c3/web');
 */
export const killCgroup = (dir: string): Either<FileProblem, void> => {
  const kill = join(dir, 'cgroup.kill');
  try {
    if (writeIfThere(kill, '1')) return right(undefined);
  } catch (error) {
    return left(problem('write', kill, error));
  }
  return signalEachMember(dir);
};
