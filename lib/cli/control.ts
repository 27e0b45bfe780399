import { firstValueFrom } from 'rxjs';
import { errorFields } from '../events.js';
import { DataDir } from '../manager/data-dir.js';
import type { ControlRequest } from '../manager/events.js';
import { parse } from './args.js';
import { ask$ } from './control-client.js';
import { dataDirOf } from './data-dir.js';
import { EXIT, UsageError, writeErr, writeOut } from './output.js';

const OPTIONS = { 'data-dir': { type: 'string' } } as const;

const DONE: Readonly<Record<ControlRequest['type'], string>> = { restart: 'restarted', stop: 'stopped', start: 'started' };

/** Why a request came to nothing, in a line for stderr. */
const failure = async (path: string, request: ControlRequest): Promise<string | undefined> => {
  try {
    const answer = await firstValueFrom(ask$(path, request), { defaultValue: undefined });
    if (answer?.type === 'ok') return undefined;
    return answer?.type === 'error' ? answer.message : `the manager hung up before ${request.id} could ${request.type}`;
  } catch (error) {
    const { code, message } = errorFields(error);
    return code === 'ENOMANAGER' ? `${message}; start one with rxdaemon manage` : message;
  }
};

/**
 * `rxdaemon restart|stop|start <id> [--data-dir DIR]`: asks the running
 * manager, over control.sock, to restart one daemon (resolved once its new
 * process has started), stop it (and hold it down until started), or start
 * it again. Exit 0 once done; 1 with the manager's refusal, or when no
 * manager runs; 2 for a missing id.
 */
export const control = async (type: ControlRequest['type'], args: readonly string[]): Promise<number> => {
  const { values, positionals } = parse(args, OPTIONS, true);
  const [id, ...more] = positionals;
  if (id === undefined || more.length > 0) throw new UsageError(`${type} takes one id: rxdaemon ${type} <id>`);
  const dataDir = new DataDir(dataDirOf(values['data-dir']));
  const problem = await failure(dataDir.controlPath, { type, id });
  if (problem !== undefined) {
    writeErr(`rxdaemon: ${problem}\n`);
    return EXIT.failure;
  }
  writeOut(`${DONE[type]} ${id}\n`);
  return EXIT.ok;
};
