import { firstValueFrom } from 'rxjs';
import type { ControlAnswer } from '../manager/control-protocol.js';
import { DataDir } from '../manager/data-dir.js';
import type { ControlRequest } from '../manager/events.js';
import { parse } from './args.js';
import { ask$ } from './control-client.js';
import { dataDirOf } from './data-dir.js';
import { EXIT, UsageError, writeErr, writeOut } from './output.js';

const OPTIONS = { 'data-dir': { type: 'string' } } as const;

type Done = Extract<ControlAnswer, { type: 'ok' }>;

/**
 * What a request did or found, in a line: `restarted web (pid 813)`,
 * `started api (waiting for db to be ready)`, `web is already running
 * (pid 812)`, `mailer is already stopped (gave up after 5 restarts in
 * 60 s; …)`.
 */
const saidOf = (id: string, { outcome, status, pid, cause }: Done): string => {
  const process = pid === undefined ? undefined : `pid ${pid}`;
  switch (outcome) {
    case 'started':
    case 'restarted':
      return `${outcome} ${id}${process === undefined && cause === undefined ? '' : ` (${process ?? cause ?? ''})`}`;
    case 'stopped':
      return `stopped ${id}`;
    case 'already-running':
      return process === undefined ? `${id} is already started (${status}: ${cause ?? 'under way'})` : `${id} is already ${status} (${process})${cause === undefined ? '' : `: ${cause}`}`;
    case 'already-stopped':
      return `${id} is already stopped${status === 'stopped' || cause === undefined ? '' : ` (${cause})`}`;
  }
};

/** What the manager answered, or why it could not: the line for stdout, or the problem for stderr. */
const ask = async (path: string, request: ControlRequest): Promise<{ readonly said: string } | { readonly problem: string }> => {
  const answer = await firstValueFrom(ask$(path, request), { defaultValue: undefined });
  if (answer?.type === 'ok') return { said: saidOf(request.id, answer) };
  if (answer?.type === 'unreachable') return { problem: answer.code === 'ENOMANAGER' ? `${answer.message}; start one with rxdaemon manage` : answer.message };
  return { problem: answer?.type === 'error' ? answer.message : `the manager hung up before ${request.id} could ${request.type}` };
};

/**
 * `rxdaemon restart|stop|start <id> [--data-dir DIR]`: asks the running
 * manager, over control.sock, to restart one daemon (done once its new
 * process has started), stop it (and hold it down until started), or start
 * it again; `start` and `restart` revive one that gave up or completed.
 * Says what it did, or what it found (`web is already running (pid 812)`).
 * Exit 0 once done, a no-op too; 1 with the manager's refusal, or when no
 * manager runs; 2 for a missing id.
 */
export const control = async (type: ControlRequest['type'], args: readonly string[]): Promise<number> => {
  const { values, positionals } = parse(args, OPTIONS, true);
  const [id, ...more] = positionals;
  if (id === undefined || more.length > 0) throw new UsageError(`${type} takes one id: rxdaemon ${type} <id>`);
  const dataDir = new DataDir(dataDirOf(values['data-dir']));
  const answer = await ask(dataDir.controlPath, { type, id });
  if ('problem' in answer) {
    writeErr(`rxdaemon: ${answer.problem}\n`);
    return EXIT.failure;
  }
  writeOut(`${answer.said}\n`);
  return EXIT.ok;
};
