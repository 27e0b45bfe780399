import { chain, isLeft, isRight, map, type Either } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { Adoptee } from '../snapshot/adoptee.js';
import type { DaemonOptions } from '../options.js';
import type { Marked } from '../process/system-scans.js';
import { adopteeOf, checkProcess, decodeSnapshot, recordedStopOf } from '../snapshot/check-snapshot.js';
import type { DaemonSnapshot } from '../snapshot/codec.js';
import type { RestoreError } from '../snapshot/restore-error.js';
import { checkId } from './ids.js';
import type { Found } from './records.js';
import type { Service } from './service.js';
import { stopStrays, type StrayPorts } from './strays.js';

/** How a recorded process that is not kept is stopped: as its record says, over the manager's options; through the cgroup it names, once checked. */
export type RecordedStop = Pick<DaemonOptions, 'stopSignal' | 'gracefulStopMs' | 'killProcessGroup' | 'cgroup'>;

/** What a restore needs of the manager: what stopping strays does (see {@link StrayPorts}), and more. */
export interface RestorePorts extends StrayPorts {
  /** The record of `id` is dropped. */
  readonly forget: (id: string) => void;
  /** Supervises the recorded process of a desired id again, as `wanted` says; a refusal is the snapshot's. */
  readonly adopt: (id: string, entry: unknown, wanted: Service) => Either<RestoreError, unknown>;
  /** Stops a live process that is not to be kept, never respawning it, as its record says. */
  readonly stop: (id: string, adoptee: Adoptee, stop?: RecordedStop) => void;
}

/** What a restore came to: the ids adopted, and those whose recorded process it is stopping. */
export interface Restored {
  readonly adopted: readonly string[];
  readonly stopping: ReadonlySet<string>;
}

/**
 * M4: adopts the live processes recorded for an id that is desired with
 * the same token, and stops the others (absent, or recorded with another
 * token: adopted only to be stopped, never respawned) as their records say
 * (their own stop signal, grace and group: the desired set may no longer
 * hold their options). Dead or invalid records are skipped with a warning;
 * what is left in a dead recorded leader's group is ended (S5). Then the
 * strays of the data dir's scope are stopped (M8, see {@link stopStrays}).
 */
export const restoreRecorded = (found: Pick<Found, 'daemons' | 'spawning'>, marked: readonly Marked[], desired: ReadonlyMap<string, Service>, ports: RestorePorts): Restored => {
  const adopted: string[] = [];
  const stopping = new Set<string>();
  const supervised = new Set<number>();
  for (const [id, entry] of found.daemons) {
    // Whatever becomes of its record, a recorded process is never a stray: one that died since the scan would be taken for both.
    const decoded = decodeSnapshot(entry);
    if (isRight(decoded)) supervised.add(decoded.right.pid);
    const skip = (code: string, message: string): void => {
      ports.say({ type: 'restore-skipped', id, code, message });
      // Still there, and not ours to end: its record stays, and its id is held, never started twice.
      if (code === 'EFOREIGN' || code === 'EHIDDEN') ports.hold(id, `a process recorded for it still runs and cannot be supervised (${message})`);
      else ports.forget(id);
      if (code === 'EDEAD' && isRight(decoded)) endLeftovers(decoded.right, ports);
    };
    const idError = checkId(id);
    if (isLeft(idError)) {
      skip('EINVALID', idError.left);
      continue;
    }
    const wanted = desired.get(id);
    if (wanted !== undefined) {
      const restored = ports.adopt(id, entry, wanted);
      if (isRight(restored)) {
        adopted.push(id);
        continue;
      }
      // Any refusal but the token's ends here; a process recorded with another token is to be stopped.
      if (restored.left.code !== 'ETOKEN') {
        skip(restored.left.code, restored.left.message);
        continue;
      }
    }
    const toStop = pipe(
      decoded,
      chain((snapshot) =>
        pipe(
          checkProcess(snapshot, ports.driver),
          map((identity) => ({ adoptee: adopteeOf(snapshot, identity), stop: recordedStopOf(snapshot) })),
        ),
      ),
    );
    if (isLeft(toStop)) skip(toStop.left.code, toStop.left.message);
    else {
      ports.stop(id, toStop.right.adoptee, toStop.right.stop);
      stopping.add(id);
    }
  }
  stopStrays(marked, supervised, found.spawning, ports);
  return { adopted, stopping };
};

/** S5 for a recorded leader that died while no manager ran: what is left in its group is ended, unless its record says its group is not to be signalled. */
const endLeftovers = (leader: DaemonSnapshot, { driver, killProcessGroup }: RestorePorts): void => {
  if ((recordedStopOf(leader).killProcessGroup ?? killProcessGroup) !== false) driver.processes.endGroup(leader);
};
