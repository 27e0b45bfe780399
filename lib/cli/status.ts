import { readFileSync } from 'node:fs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { DataDir } from '../manager/data-dir.js';
import { lockHolder } from '../manager/lock.js';
import { defaultDriver } from '../process/child-process-driver.js';
import { checkProcess, decodeSnapshot } from '../snapshot/check-snapshot.js';
import { parse, required } from './args.js';
import { EXIT } from './output.js';

const OPTIONS = { 'data-dir': { type: 'string' }, json: { type: 'boolean' } } as const;

/** One line of `rxdaemon status`. */
export interface DaemonStatusLine {
  readonly id: string;
  readonly pid: number | null;
  readonly alive: boolean;
  readonly command: string;
  /** Why it is not alive, when it is not. */
  readonly reason?: string;
}

const managerOf = (dataDir: DataDir): string => {
  const holder = lockHolder(dataDir.lockPath, defaultDriver());
  if (isLeft(holder)) return `manager unknown (${holder.left})`;
  return holder.right === undefined ? 'no manager' : `manager pid ${holder.right.pid} ${holder.right.alive ? 'running' : 'gone'}`;
};

/** What the data dir's snapshot records, each entry checked against the live system (start time and boot included). */
export const statusOf = (dataDir: DataDir): DaemonStatusLine[] => {
  let daemons: Record<string, unknown> = {};
  try {
    daemons = (JSON.parse(readFileSync(dataDir.snapshotPath, 'utf8')) as { daemons?: Record<string, unknown> }).daemons ?? {};
  } catch {
    return [];
  }
  return Object.entries(daemons).map(([id, entry]) => {
    const decoded = decodeSnapshot(entry);
    if (isLeft(decoded)) return { id, pid: null, alive: false, command: '?', reason: decoded.left.message };
    const checked = checkProcess(decoded.right, defaultDriver());
    const line = { id, pid: decoded.right.pid, command: [decoded.right.command, ...decoded.right.args].join(' ') };
    return isLeft(checked) ? { ...line, alive: false, reason: checked.left.message } : { ...line, alive: true };
  });
};

/** `rxdaemon status --data-dir DIR`: the daemons a data dir records, and whether each is alive. Looks only; signals nothing. */
export const status = (args: readonly string[]): number => {
  const { values } = parse(args, OPTIONS);
  const dataDir = new DataDir(required('data-dir', values['data-dir']));
  const lines = statusOf(dataDir);
  if (values.json === true) {
    for (const line of lines) process.stdout.write(`${JSON.stringify(line)}\n`);
    return EXIT.ok;
  }
  process.stdout.write(`${dataDir.root}: ${managerOf(dataDir)}, ${lines.length} daemon${lines.length === 1 ? '' : 's'}\n`);
  for (const line of lines) {
    const state = line.alive ? 'alive' : `dead${line.reason === undefined ? '' : ` (${line.reason})`}`;
    process.stdout.write(`  ${line.id.padEnd(20)} ${String(line.pid ?? '-').padStart(8)}  ${state.padEnd(6)}  ${line.command}\n`);
  }
  return EXIT.ok;
};
