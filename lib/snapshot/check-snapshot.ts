import { isLeft, left, map, right, type Either } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { Command } from '../command.js';
import type { Adoptee } from './adoptee.js';
import type { DaemonOptions } from '../options.js';
import type { ProcessIdentity } from '../process/identity.js';
import type { ProcessDriver } from '../process/driver.js';
import { DaemonSnapshot } from './codec.js';
import { reportDecodeErrors } from './decode-errors.js';
import { restoreError, type RestoreError } from './restore-error.js';
import { tokenMatches } from './token-hash.js';

/** What a good snapshot gives back: the command to run again and the process to adopt. */
export interface Restorable {
  readonly command: Command;
  readonly adoptee: Adoptee;
  readonly tokenHash: string | undefined;
}

/** S8, first half: is it a snapshot at all? Decoding never throws, even on a hostile object. */
export const decodeSnapshot = (input: unknown): Either<RestoreError, DaemonSnapshot> => {
  try {
    const decoded = DaemonSnapshot.decode(input);
    if (isLeft(decoded)) {
      const { field, message } = reportDecodeErrors(decoded.left);
      return left(restoreError('EINVALID', `invalid snapshot: ${message}`, field));
    }
    return right(decoded.right);
  } catch (error) {
    // A getter or a proxy that throws: not a snapshot, whatever it is.
    return left(restoreError('EINVALID', `invalid snapshot: reading it failed (${error instanceof Error ? error.message : 'unknown error'})`));
  }
};

/** Whether `token` is the one the snapshot's command had (none for none). */
export const checkToken = (snapshot: DaemonSnapshot, token: string | undefined): RestoreError | undefined => {
  if (snapshot.tokenHash === undefined) {
    return token === undefined ? undefined : restoreError('ETOKEN', 'the snapshot was taken without a token, but a token was given', 'tokenHash');
  }
  if (token === undefined) return restoreError('ETOKEN', 'the snapshot records a token; give the same token to restore it', 'tokenHash');
  return tokenMatches(token, snapshot.tokenHash) ? undefined : restoreError('ETOKEN', 'the token does not match the one the snapshot records', 'tokenHash');
};

/**
 * S8, second half: is the recorded process still there, still the same one,
 * and ours to supervise? It looks with /proc and kill(pid, 0) only: no
 * signal is ever sent while deciding.
 */
export const checkProcess = (snapshot: DaemonSnapshot, driver: ProcessDriver): Either<RestoreError, ProcessIdentity> => {
  const { pid } = snapshot;
  if (pid === driver.processes.ownPid) return left(restoreError('EOWNPID', `pid ${pid} is this supervisor's own`, 'pid'));
  const bootId = driver.system.bootId();
  if (snapshot.bootId !== bootId) {
    return left(restoreError('EBOOT', `the snapshot was taken in boot ${String(snapshot.bootId)}, this is boot ${String(bootId)}`, 'bootId'));
  }
  const probe = driver.processes.probe(pid);
  if (probe.state === 'dead') return left(restoreError('EDEAD', `process ${pid} is gone`, 'pid'));
  if (probe.state === 'foreign') return left(restoreError('EFOREIGN', `process ${pid} belongs to another user`, 'pid'));
  // Recorded without a start time, the pid alone was its identity, and still is.
  if (probe.state === 'hidden' && snapshot.startTime !== null) {
    return left(restoreError('EHIDDEN', `process ${pid} exists, but /proc does not show it (a hidepid mount?), so whether it is the recorded one cannot be told`, 'pid'));
  }
  if (snapshot.startTime !== probe.startTime) {
    return left(
      restoreError('EPIDREUSED', `pid ${pid} now belongs to another process (started at ${String(probe.startTime)}, not ${String(snapshot.startTime)})`, 'startTime'),
    );
  }
  return right({ pid, startTime: snapshot.startTime });
};

/** The process a snapshot records, checked to be live and the same (`identity`), with what its record says of its run. */
export const adopteeOf = (snapshot: DaemonSnapshot, identity: ProcessIdentity): Adoptee => ({
  ...identity,
  ...(snapshot.attempt === undefined ? {} : { attempt: snapshot.attempt }),
  ...(snapshot.outputStart === undefined ? {} : { outputStart: snapshot.outputStart }),
});

/**
 * How the process a snapshot records is to be stopped, as far as it says
 * (a 0.2 snapshot says nothing): for a supervisor that has no options of
 * its own for it. Its `cgroup` is as recorded, not yet checked: a manager
 * uses it only once it is one of its scope's, holding the process.
 */
export const recordedStopOf = ({ stopSignal, gracefulStopMs, killProcessGroup, cgroup }: DaemonSnapshot): Pick<DaemonOptions, 'stopSignal' | 'gracefulStopMs' | 'killProcessGroup' | 'cgroup'> => ({
  ...(cgroup === undefined ? {} : { cgroup }),
  ...(stopSignal === undefined ? {} : { stopSignal }),
  ...(gracefulStopMs === undefined ? {} : { gracefulStopMs }),
  ...(killProcessGroup === undefined ? {} : { killProcessGroup }),
});

/** The command a snapshot records, with the token given back (it is never stored). */
export const commandOf = (snapshot: DaemonSnapshot, token: string | undefined): Command => ({
  command: snapshot.command,
  args: snapshot.args,
  env: snapshot.env,
  ...(snapshot.cwd === undefined ? {} : { cwd: snapshot.cwd }),
  ...(snapshot.id === undefined ? {} : { id: snapshot.id }),
  ...(token === undefined ? {} : { token }),
});

/** S8 as a whole: the token, then the process. */
export const checkSnapshot = (
  snapshot: DaemonSnapshot,
  driver: ProcessDriver,
  token: string | undefined,
): Either<RestoreError, Restorable> => {
  const tokenError = checkToken(snapshot, token);
  if (tokenError !== undefined) return left(tokenError);
  return pipe(
    checkProcess(snapshot, driver),
    map((identity) => ({ command: commandOf(snapshot, token), adoptee: adopteeOf(snapshot, identity), tokenHash: snapshot.tokenHash })),
  );
};
