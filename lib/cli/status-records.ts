import { statSync } from 'node:fs';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { errorFields } from '../events.js';
import type { DaemonReport } from '../manager/control-protocol.js';
import type { DataDir } from '../manager/data-dir.js';
import { readRecords, type ReadRecords } from '../manager/records.js';
import { defaultDriver } from '../process/child-process-driver.js';
import type { ProcessIdentity } from '../process/identity.js';
import { readProcUsage } from '../process/proc-usage.js';
import { checkProcess, decodeSnapshot } from '../snapshot/check-snapshot.js';
import type { RestoreError } from '../snapshot/restore-error.js';

// Refusals of a live pid that may still be the recorded process: neither alive nor dead is known.
const UNKNOWN: readonly RestoreError['code'][] = ['EFOREIGN', 'EHIDDEN'];

/** What a record tells of a daemon when no manager can be asked: whether its process lives, since when, its memory; no CPU, restarts or last exit. */
const reportOf = (id: string, entry: unknown, now: number): DaemonReport => {
  const driver = defaultDriver();
  const report = (status: string, pid: number | null, cause?: string): DaemonReport => {
    const known = { since: null, uptimeMs: null, restarts: null, lastExit: null, cpuPercent: null, rssBytes: null };
    return { id, status, pid, ...known, cause: cause ?? null };
  };
  const alive = (identity: ProcessIdentity): DaemonReport => {
    const since = driver.startedAt(identity, now);
    const usage = readProcUsage(identity.pid);
    return { ...report('alive', identity.pid), since, uptimeMs: since === null ? null : now - since, rssBytes: usage?.rssBytes ?? null };
  };
  const decoded = decodeSnapshot(entry);
  if (isLeft(decoded)) return report('dead', null, decoded.left.message);
  const checked = checkProcess(decoded.right, driver);
  if (isLeft(checked)) return report(UNKNOWN.includes(checked.left.code) ? 'unknown' : 'dead', decoded.right.pid, checked.left.message);
  return alive(checked.right);
};

// A data dir that is not there is a typo more often than an idle host: said, never taken for "nothing runs".
const dataDirProblem = (root: string): string | undefined => {
  try {
    return statSync(root).isDirectory() ? undefined : `the data dir ${root} is not a directory`;
  } catch (error) {
    const { code, message } = errorFields(error);
    return code === 'ENOENT' ? `there is no data dir ${root} (is --data-dir right?)` : `cannot look at the data dir ${root}: ${message}`;
  }
};

/**
 * What a data dir records (snapshot.json and the journal after it), each
 * entry checked against the live system (start time and boot included), as
 * of `now`. A Left when the data dir is missing or its records cannot be
 * read: a corrupt snapshot is never shown as "no daemons". Looks only;
 * changes nothing.
 */
export const recordedStatus = (dataDir: DataDir, now: number): Either<string, DaemonReport[]> => {
  const missing = dataDirProblem(dataDir.root);
  if (missing !== undefined) return left(missing);
  let records: ReadRecords;
  try {
    records = readRecords(dataDir);
  } catch (error) {
    return left(`cannot read the records in ${dataDir.root}: ${errorFields(error).message}`);
  }
  if (records.problem !== undefined) return left(`the snapshot ${dataDir.snapshotPath} is corrupt: ${records.problem}`);
  return right([...records.daemons].map(([id, entry]) => reportOf(id, entry, now)));
};
