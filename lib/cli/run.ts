import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import type { Command } from '../command.js';
import { Daemon } from '../daemon/daemon.js';
import { isTerminal, type DaemonEvent } from '../events.js';
import type { DaemonOptions } from '../options.js';
import type { RestoreError } from '../snapshot/restore-error.js';
import { parse } from './args.js';
import { EXIT, UsageError, type Output } from './output.js';
import { daemonOptionsOf, RUN_OPTIONS } from './run-options.js';
import { readState, writeState } from './state-file.js';

// Restore refusals that say the recorded process is gone: starting afresh
// cannot make a second copy. Any other (not a snapshot, another user's, one
// /proc does not show) may hide a live process.
const GONE: readonly RestoreError['code'][] = ['EDEAD', 'EPIDREUSED', 'EBOOT'];

const untrusted = (state: string, what: string): Either<string, never> =>
  left(`${what}; it may record a process that still runs, so none is started. Look at ${state}, and remove it once no process it records runs (or give another --state).`);

/**
 * The daemon to run: the survivor the state file records, when it runs the
 * same command; a new one when there is no state file or the process it
 * records is gone. A Left when the state file cannot be trusted to say.
 */
const daemonFor = async (command: Command, options: DaemonOptions, state: string | undefined, output: Output): Promise<Either<string, Daemon>> => {
  const fresh = new Daemon(command, options);
  if (state === undefined) return right(fresh);
  const recorded = readState(state);
  if (isLeft(recorded)) return untrusted(state, recorded.left);
  if (recorded.right === undefined) return right(fresh);
  const restored = Daemon.restore(recorded.right, options);
  if (isLeft(restored)) {
    if (!GONE.includes(restored.left.code)) return untrusted(state, `${state} cannot be adopted: ${restored.left.message}`);
    output.note(`not adopting what ${state} records: ${restored.left.message}; starting afresh`);
    return right(fresh);
  }
  if (restored.right.equals(fresh)) return right(restored.right);
  output.note(`${state} records another command; stopping its process first`);
  await restored.right.stop();
  return right(fresh);
};

/**
 * The exit code of a daemon's end: 0 after a stop or a detach, and after a
 * run that completed with exit 0 (a job done); 1 when the policy gave up
 * (a failed spawn under `--restart never` too), or when the last run
 * completed failing (a non-zero code, a signal).
 */
const exitCodeOf = (end: DaemonEvent | undefined): number => {
  switch (end?.type) {
    case 'gave-up':
      return EXIT.failure;
    case 'completed':
      return end.code === 0 ? EXIT.ok : EXIT.failure;
    default:
      return EXIT.ok;
  }
};

/**
 * `rxdaemon run … -- CMD ARGS…`: one daemon until SIGINT or SIGTERM, or
 * until it ends by itself. Resolves with the exit code (see {@link exitCodeOf}).
 */
export const run = async (args: readonly string[], output: (json: boolean) => Output): Promise<number> => {
  const { values, positionals } = parse(args, RUN_OPTIONS, true);
  const [executable, ...rest] = positionals;
  if (executable === undefined) throw new UsageError('run needs a command: rxdaemon run [options] -- CMD ARGS...');
  const options = daemonOptionsOf(values);
  const state = values.state;
  if (state === '') throw new UsageError("--state takes a file, got ''");
  const out = output(values.json === true);
  const chosen = await daemonFor({ command: executable, args: rest }, options, state, out);
  if (isLeft(chosen)) {
    out.note(chosen.left);
    return EXIT.failure;
  }
  const daemon = chosen.right;
  const record = (): void => {
    if (state === undefined) return;
    const written = writeState(state, daemon.snapshot());
    if (isLeft(written)) out.note(`${written.left}; a later run cannot adopt this process`);
  };
  let leaving = false;
  const leave = (): void => {
    if (leaving) return;
    leaving = true;
    if (values['keep-on-exit'] === true) {
      record();
      daemon.close();
    } else void daemon.stop();
  };
  process.on('SIGINT', leave);
  process.on('SIGTERM', leave);
  const code = await new Promise<number>((resolve) => {
    let end: DaemonEvent | undefined;
    daemon.events$.subscribe({
      next: (event) => {
        out.event(event);
        if (isTerminal(event)) end = event;
        // The state follows the process, so even a SIGKILLed rxdaemon leaves a survivor to adopt.
        if (event.type === 'started' || event.type === 'adopted' || (isTerminal(event) && event.type !== 'closed')) record();
      },
      complete: () => {
        resolve(exitCodeOf(end));
      },
    });
    daemon.start();
  });
  // Only now that the daemon has ended: a second Ctrl-C during its stop
  // must find a listener, or it would kill this process and orphan the child.
  process.off('SIGINT', leave);
  process.off('SIGTERM', leave);
  return code;
};
