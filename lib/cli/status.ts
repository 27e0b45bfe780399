import { isLeft } from 'fp-ts/lib/Either.js';
import { firstValueFrom } from 'rxjs';
import type { DaemonReport } from '../manager/control-protocol.js';
import { DataDir } from '../manager/data-dir.js';
import { lockHolder } from '../manager/lock.js';
import { recordedStatus } from '../manager/recorded-status.js';
import { defaultDriver } from '../process/default-driver.js';
import { parse } from './args.js';
import { ask$ } from './control-client.js';
import { dataDirOf } from './data-dir.js';
import { wantsColour } from './format.js';
import { EXIT, writeErr, writeOut } from './output.js';
import { statusTable } from './status-table.js';

const OPTIONS = { 'data-dir': { type: 'string' }, json: { type: 'boolean' } } as const;

/** What asking the running manager came to. */
type Asked = { readonly kind: 'answered'; readonly reports: DaemonReport[] } | { readonly kind: 'no-manager' } | { readonly kind: 'failed'; readonly message: string };

const askManager = async (dataDir: DataDir): Promise<Asked> => {
  const answer = await firstValueFrom(ask$(dataDir.controlPath, { type: 'status' }), { defaultValue: undefined });
  if (answer?.type === 'status') return { kind: 'answered', reports: answer.daemons };
  if (answer?.type === 'unreachable' && answer.code === 'ENOMANAGER') return { kind: 'no-manager' };
  return { kind: 'failed', message: answer?.type === 'error' || answer?.type === 'unreachable' ? answer.message : 'the manager hung up without answering' };
};

/** The one line that says the status comes from the records, and why. */
const fromRecords = (dataDir: DataDir): string => {
  const holder = lockHolder(dataDir.lockPath, defaultDriver().processes);
  const alive = !isLeft(holder) && holder.right?.alive === true ? holder.right : undefined;
  const why = alive === undefined ? `no manager runs on ${dataDir.root}` : `the manager of ${dataDir.root} (pid ${alive.pid}) does not answer at ${dataDir.controlPath}`;
  return `${why}; from its records (no CPU, restarts or last exit)`;
};

const print = (reports: readonly DaemonReport[], json: boolean): void => {
  if (json) {
    for (const report of reports) writeOut(`${JSON.stringify(report)}\n`);
    return;
  }
  writeOut(reports.length === 0 ? 'no daemons\n' : statusTable(reports, { colour: wantsColour(process.stdout), now: Date.now() }));
};

/**
 * `rxdaemon status [--data-dir DIR] [--json]`: every configured daemon, as
 * the running manager tells it over control.sock (state, pid, uptime,
 * restarts, last exit, CPU, memory, and the cause of any trouble). With no
 * manager to ask, what the data dir's records say, after one line on
 * stderr saying so. Exit 1, saying why, when neither can be read (no data
 * dir, corrupt records, another user's data dir). Looks only.
 */
export const status = async (args: readonly string[]): Promise<number> => {
  const { values } = parse(args, OPTIONS);
  const dataDir = new DataDir(dataDirOf(values['data-dir']));
  const json = values.json === true;
  const asked = await askManager(dataDir);
  if (asked.kind === 'answered') {
    print(asked.reports, json);
    return EXIT.ok;
  }
  if (asked.kind === 'failed') {
    writeErr(`rxdaemon: ${asked.message}\n`);
    return EXIT.failure;
  }
  const recorded = recordedStatus(dataDir, Date.now());
  if (isLeft(recorded)) {
    writeErr(`rxdaemon: ${recorded.left}\n`);
    return EXIT.failure;
  }
  writeErr(`rxdaemon: ${fromRecords(dataDir)}\n`);
  print(recorded.right, json);
  return EXIT.ok;
};
