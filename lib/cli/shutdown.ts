import { asyncScheduler, firstValueFrom, lastValueFrom, map, of, reduce, tap, timeout } from 'rxjs';
import { pollUntilGone } from '../daemon/liveness-poll.js';
import { DataDir } from '../manager/data-dir.js';
import type { ManagerEvent } from '../manager/events.js';
import { stopRecorded$ } from '../manager/stop-recorded.js';
import { defaultDriver } from '../process/default-driver.js';
import { parse } from './args.js';
import { ask$ } from './control-client.js';
import { dataDirOf } from './data-dir.js';
import { consoleOutput, EXIT, UsageError, writeErr, writeOut } from './output.js';

const OPTIONS = { 'data-dir': { type: 'string' } } as const;

// How often, and how long, the manager's process is looked at once it has said it ended.
const POLL_MS = 20;
const EXIT_WAIT_MS = 10_000;

/**
 * Waits for the manager's process to exit, once it has answered that every
 * daemon is gone: its identity (pid and start time) read right away, while
 * it still runs, so a pid reused meanwhile is not waited for. Resolves with
 * whether it exited in time; a manager an agent embeds ends without its
 * process ending.
 */
const managerExited = async (pid: number): Promise<boolean> => {
  const { processes } = defaultDriver();
  const probe = processes.probe(pid);
  if (probe.state === 'dead') return true;
  const exited$ = pollUntilGone(processes, { pid, startTime: probe.startTime }, POLL_MS, asyncScheduler).pipe(
    map(() => true),
    timeout({ first: EXIT_WAIT_MS, with: () => of(false) }),
  );
  return firstValueFrom(exited$);
};

// Said by the lines around them (the summary, or the refusal); a manager of nothing has nothing to reconcile.
const QUIET: ReadonlySet<ManagerEvent['type']> = new Set(['containment', 'snapshot-written', 'restored', 'reconcile', 'manager-stopped', 'manager-refused']);
// A recorded process that may still run, but cannot be told to be the recorded one: left alone, so not all is gone.
const UNVERIFIED = new Set(['EFOREIGN', 'EHIDDEN']);

/** What stopping the records came to: the last event, whether anything was done or found, whether a process was left unverified. */
interface Tally {
  readonly last: ManagerEvent | undefined;
  readonly acted: boolean;
  readonly unverified: boolean;
}

const NOTHING_YET: Tally = { last: undefined, acted: false, unverified: false };

const tally = ({ acted, unverified }: Tally, event: ManagerEvent): Tally => ({
  last: event,
  acted: acted || !QUIET.has(event.type),
  unverified: unverified || (event.type === 'restore-skipped' && UNVERIFIED.has(event.code)),
});

/**
 * With no manager running: stops what the records of `dataDir` hold (see
 * {@link stopRecorded$}), a line for each thing done or found, then one
 * that sums up. Exit 0 once every recorded process is gone (or was found
 * gone: a pid now another process's is said, never signalled); 1 when a
 * manager took the data dir meanwhile, or a recorded process may still
 * run and could not be verified.
 */
const stopRecorded = async (dataDir: DataDir): Promise<number> => {
  const out = consoleOutput(false);
  const show = (event: ManagerEvent): void => {
    if (QUIET.has(event.type)) return;
    if ('id' in event && event.id !== '') out.align([event.id]);
    out.event(event);
  };
  const { last, acted, unverified } = await lastValueFrom(stopRecorded$(dataDir.root).pipe(tap(show), reduce(tally, NOTHING_YET)));
  if (last?.type !== 'manager-stopped') {
    writeErr(`rxdaemon: ${last?.type === 'manager-refused' ? last.message : 'the records could not be acted on'}\n`);
    return EXIT.failure;
  }
  if (unverified) {
    writeErr(`rxdaemon: not everything the records of ${dataDir.root} held could be verified; what could not was left alone (see above)\n`);
    return EXIT.failure;
  }
  writeOut(acted ? `stopped every process the records of ${dataDir.root} held; no manager runs there\n` : `nothing to stop: no manager runs on ${dataDir.root}, and its records hold no live process\n`);
  return EXIT.ok;
};

/**
 * `rxdaemon shutdown [--data-dir DIR]`: stops every daemon and the manager
 * of DIR, and exits 0 once all are gone. A running manager is asked over
 * control.sock: it stops every daemon as `kill()` does, empties its
 * records, answers and ends; the command then waits for its process to
 * exit. With none running, it stops what the records hold itself (see
 * {@link stopRecorded}). Exit 1 when something could not be stopped or
 * the manager could not be asked; 2 for a stray argument.
 */
export const shutdown = async (args: readonly string[]): Promise<number> => {
  const { values, positionals } = parse(args, OPTIONS, true);
  if (positionals.length > 0) throw new UsageError(`shutdown takes no ids (it stops every daemon), got ${positionals.join(' ')}`);
  const dataDir = new DataDir(dataDirOf(values['data-dir']));
  const answer = await firstValueFrom(ask$(dataDir.controlPath, { type: 'shutdown' }), { defaultValue: undefined });
  if (answer?.type === 'unreachable' && answer.code === 'ENOMANAGER') return stopRecorded(dataDir);
  if (answer?.type !== 'shutdown') {
    writeErr(`rxdaemon: ${answer?.type === 'error' || answer?.type === 'unreachable' ? answer.message : 'the manager hung up before it had shut down'}\n`);
    return EXIT.failure;
  }
  if (!(await managerExited(answer.pid))) {
    writeErr(`rxdaemon: the manager (pid ${answer.pid}) stopped every daemon and ended, but its process runs on after ${EXIT_WAIT_MS / 1_000} s\n`);
    return EXIT.failure;
  }
  writeOut(`stopped every daemon and the manager (pid ${answer.pid})\n`);
  return EXIT.ok;
};
