import { statSync } from 'node:fs';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { errorFields } from '../events.js';
import { DataDir } from '../manager/data-dir.js';
import { lockHolder } from '../manager/lock.js';
import { readRecords, type ReadRecords } from '../manager/records.js';
import { defaultDriver } from '../process/child-process-driver.js';
import { checkProcess, decodeSnapshot } from '../snapshot/check-snapshot.js';
import type { RestoreError } from '../snapshot/restore-error.js';
import { parse, required } from './args.js';
import { EXIT, writeErr, writeOut } from './output.js';

const OPTIONS = { 'data-dir': { type: 'string' }, json: { type: 'boolean' } } as const;

/** One line of `rxdaemon status`. */
export interface DaemonStatusLine {
  readonly id: string;
  readonly pid: number | null;
  /** null: a process has the pid, but whether it is the recorded one cannot be told (another user's, or one /proc does not show). */
  readonly alive: boolean | null;
  readonly command: string;
  /** Why it is not alive, when it is not. */
  readonly reason?: string;
}

const managerOf = (dataDir: DataDir): string => {
  const holder = lockHolder(dataDir.lockPath, defaultDriver());
  if (isLeft(holder)) return `manager unknown (${holder.left})`;
  return holder.right === undefined ? 'no manager' : `manager pid ${holder.right.pid} ${holder.right.alive ? 'running' : 'gone'}`;
};

// Refusals of a live pid that may still be the recorded process: neither alive nor dead is known.
const UNKNOWN: readonly RestoreError['code'][] = ['EFOREIGN', 'EHIDDEN'];

const lineOf = (id: string, entry: unknown): DaemonStatusLine => {
  const decoded = decodeSnapshot(entry);
  if (isLeft(decoded)) return { id, pid: null, alive: false, command: '?', reason: decoded.left.message };
  const checked = checkProcess(decoded.right, defaultDriver());
  const line = { id, pid: decoded.right.pid, command: [decoded.right.command, ...decoded.right.args].join(' ') };
  if (!isLeft(checked)) return { ...line, alive: true };
  return { ...line, alive: UNKNOWN.includes(checked.left.code) ? null : false, reason: checked.left.message };
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
 * entry checked against the live system (start time and boot included). A
 * Left when the data dir is missing or its records cannot be read: a corrupt
 * snapshot is never shown as "no daemons". Looks only; changes nothing.
 */
export const statusOf = (dataDir: DataDir): Either<string, DaemonStatusLine[]> => {
  const missing = dataDirProblem(dataDir.root);
  if (missing !== undefined) return left(missing);
  let records: ReadRecords;
  try {
    records = readRecords(dataDir);
  } catch (error) {
    return left(`cannot read the records in ${dataDir.root}: ${errorFields(error).message}`);
  }
  if (records.problem !== undefined) return left(`the snapshot ${dataDir.snapshotPath} is corrupt: ${records.problem}`);
  return right([...records.daemons].map(([id, entry]) => lineOf(id, entry)));
};

const stateOf = (line: DaemonStatusLine): string =>
  line.alive === true ? 'alive' : `${line.alive === null ? 'unknown' : 'dead'}${line.reason === undefined ? '' : ` (${line.reason})`}`;

/**
 * `rxdaemon status --data-dir DIR`: the daemons a data dir records, and
 * whether each is alive. Exit 1, saying why, when the data dir is missing or
 * its records cannot be read. Looks only; signals nothing.
 */
export const status = (args: readonly string[]): number => {
  const { values } = parse(args, OPTIONS);
  const dataDir = new DataDir(required('data-dir', values['data-dir']));
  const found = statusOf(dataDir);
  if (isLeft(found)) {
    writeErr(`rxdaemon: ${found.left}\n`);
    return EXIT.failure;
  }
  const lines = found.right;
  if (values.json === true) {
    for (const line of lines) writeOut(`${JSON.stringify(line)}\n`);
    return EXIT.ok;
  }
  writeOut(`${dataDir.root}: ${managerOf(dataDir)}, ${lines.length} daemon${lines.length === 1 ? '' : 's'}\n`);
  for (const line of lines) writeOut(`  ${line.id.padEnd(20)} ${String(line.pid ?? '-').padStart(8)}  ${stateOf(line).padEnd(6)}  ${line.command}\n`);
  return EXIT.ok;
};
