import { firstValueFrom } from 'rxjs';
import type { ControlAnswer } from '../manager/control-protocol.js';
import { notConfigured } from '../manager/control-plan.js';
import { DataDir } from '../manager/data-dir.js';
import type { ControlRequest } from '../manager/events.js';
import { parse } from './args.js';
import { ask$, type Unreachable } from './control-client.js';
import { dataDirOf } from './data-dir.js';
import { EXIT, UsageError, writeErr, writeOut } from './output.js';

const OPTIONS = { 'data-dir': { type: 'string' } } as const;

/** The id that names every service the manager has configured. */
const ALL = 'all';

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

/** Why the manager could not be asked, or did not answer, in words. */
const problemOf = (answer: ControlAnswer | Unreachable | undefined, what: string): string => {
  if (answer?.type === 'unreachable') return answer.code === 'ENOMANAGER' ? `${answer.message}; start one with rxdaemon manage` : answer.message;
  return answer?.type === 'error' ? answer.message : `the manager hung up before ${what}`;
};

/** What the manager answered, or why it could not: the line for stdout, or the problem for stderr. */
const ask = async (path: string, request: ControlRequest): Promise<Said> => {
  const answer = await firstValueFrom(ask$(path, request), { defaultValue: undefined });
  return answer?.type === 'ok' ? { said: saidOf(request.id, answer) } : { problem: problemOf(answer, `${request.id} could ${request.type}`) };
};

type Said = { readonly said: string } | { readonly problem: string };

/** The ids of every service the manager has configured now, as its status tells them; or why it could not be asked. */
const configuredIds = async (path: string): Promise<{ readonly ids: readonly string[] } | { readonly problem: string }> => {
  const answer = await firstValueFrom(ask$(path, { type: 'status' }), { defaultValue: undefined });
  return answer?.type === 'status' ? { ids: answer.daemons.map(({ id }) => id) } : { problem: problemOf(answer, 'it told what it runs') };
};

/**
 * `rxdaemon restart|stop|start <id…|all> [--data-dir DIR]`: asks the
 * running manager, over control.sock, to restart each daemon (done once its
 * new process has started), stop it (and hold it down until started), or
 * start it again; `start` and `restart` revive one that gave up or
 * completed. `all` is every service the manager has configured at that
 * moment (its status says which), so a `stop all` leaves the manager
 * running. The requests go at once, one a connection, and each answer is
 * one line, in the order the ids were given: what it did, or what it found
 * (`web is already running (pid 812)`). Exit 0 when every one was done or
 * already so; 1 when one was refused or failed (the others are done all
 * the same), or no manager runs; 2 for no id, or an id the manager has not
 * configured: a mistake in the command line, so nothing is done.
 */
export const control = async (type: ControlRequest['type'], args: readonly string[]): Promise<number> => {
  const { values, positionals } = parse(args, OPTIONS, true);
  if (positionals.length === 0) throw new UsageError(`${type} takes ids, or all`);
  const dataDir = new DataDir(dataDirOf(values['data-dir']));
  const configured = await configuredIds(dataDir.controlPath);
  if ('problem' in configured) {
    writeErr(`rxdaemon: ${configured.problem}\n`);
    return EXIT.failure;
  }
  const ids = positionals.includes(ALL) ? configured.ids : [...new Set(positionals)];
  const unknown = ids.filter((id) => !configured.ids.includes(id));
  if (unknown.length > 0) {
    for (const id of unknown) writeErr(`rxdaemon: ${notConfigured(id)}\n`);
    return EXIT.usage;
  }
  // All at once (a stop of each waits out its grace); said in the order given.
  const answers = ids.map((id) => ask(dataDir.controlPath, { type, id }));
  let failed = false;
  for (const answer of answers) {
    const said = await answer;
    if ('problem' in said) writeErr(`rxdaemon: ${said.problem}\n`);
    else writeOut(`${said.said}\n`);
    failed ||= 'problem' in said;
  }
  return failed ? EXIT.failure : EXIT.ok;
};
