import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { errorFields } from '../events.js';
import { defaultDriver } from '../process/default-driver.js';
import type { ProcessDriver } from '../process/driver.js';
import { readProcUsage } from '../process/proc-usage.js';
import { checkProcess, decodeSnapshot } from '../snapshot/check-snapshot.js';
import type { RestoreError } from '../snapshot/restore-error.js';
import type { DaemonReport } from './control-protocol.js';
import type { DataDir } from './data-dir.js';
import { readRecords, type ReadRecords } from './records.js';
import { daemonReport, type ReportFacts } from './status-board.js';

// Refusals of a live pid that may still be the recorded process: neither alive nor dead is known.
const UNKNOWN: readonly RestoreError['code'][] = ['EFOREIGN', 'EHIDDEN'];

/** What a record tells of a daemon: whether its process lives (`alive`, `dead` or `unknown`, with why), since when, its memory. */
const factsOf = (entry: unknown, driver: ProcessDriver, now: number): ReportFacts => {
  const decoded = decodeSnapshot(entry);
  if (isLeft(decoded)) return { status: 'dead', cause: decoded.left.message };
  const checked = checkProcess(decoded.right, driver);
  if (isLeft(checked)) return { status: UNKNOWN.includes(checked.left.code) ? 'unknown' : 'dead', pid: decoded.right.pid, cause: checked.left.message };
  const identity = checked.right;
  // The leader's memory: without a manager, its cgroup is not known.
  const rssBytes = readProcUsage(identity.pid)?.rssBytes;
  return { status: 'alive', pid: identity.pid, since: driver.system.startedAt(identity, now) ?? undefined, ...(rssBytes === undefined ? {} : { rssBytes, memoryScope: 'leader' }) };
};

/**
 * What `rxdaemon status` shows when no manager can be asked: each daemon a
 * data dir records (snapshot.json and the journal after it), its process
 * checked against the live system (start time and boot included), as of
 * `now`; no CPU, restarts or last exit, which only a manager knows. A Left
 * when the data dir is missing or its records cannot be read: a corrupt
 * snapshot is never shown as "no daemons". Looks only; changes nothing.
 *
 * @example
 * const reports = recordedStatus(new DataDir('/var/lib/agent/daemons'), Date.now());
 */
export const recordedStatus = (dataDir: DataDir, now: number, driver: ProcessDriver = defaultDriver()): Either<string, DaemonReport[]> => {
  const missing = dataDir.problem();
  if (missing !== undefined) return left(missing);
  let records: ReadRecords;
  try {
    records = readRecords(dataDir);
  } catch (error) {
    return left(`cannot read the records in ${dataDir.root}: ${errorFields(error).message}`);
  }
  if (records.problem !== undefined) return left(`the snapshot ${dataDir.snapshotPath} is corrupt: ${records.problem}`);
  return right([...records.daemons].map(([id, entry]) => daemonReport(id, factsOf(entry, driver, now), now)));
};
