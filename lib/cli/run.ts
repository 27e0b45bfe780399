import { isRight } from 'fp-ts/lib/Either.js';
import type { Command } from '../command.js';
import { Daemon } from '../daemon/daemon.js';
import type { DaemonOptions } from '../options.js';
import { integerOption, parse } from './args.js';
import { EXIT, UsageError, type Output } from './output.js';
import { readState, writeState } from './state-file.js';

const OPTIONS = {
  'pid-file': { type: 'string' },
  grace: { type: 'string' },
  state: { type: 'string' },
  'keep-on-exit': { type: 'boolean' },
  stdout: { type: 'string' },
  stderr: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The daemon to run: the survivor the state file records, when it runs the same command; a new one otherwise. */
const daemonFor = async (command: Command, options: DaemonOptions, state: string | undefined, output: Output): Promise<Daemon> => {
  const fresh = new Daemon(command, options);
  if (state === undefined) return fresh;
  const recorded = readState(state);
  if (recorded === undefined) return fresh;
  const restored = Daemon.restore(recorded, options);
  if (!isRight(restored)) {
    output.note(`not adopting what ${state} records: ${restored.left.message}`);
    return fresh;
  }
  if (restored.right.equals(fresh)) return restored.right;
  output.note(`${state} records another command; stopping its process first`);
  await restored.right.stop();
  return fresh;
};

/**
 * `rxdaemon run … -- CMD ARGS…`: one daemon until SIGINT or SIGTERM. Resolves
 * with the exit code: 0 after a clean stop or detach, 1 when the restart
 * policy gave up.
 */
export const run = async (args: readonly string[], output: (json: boolean) => Output): Promise<number> => {
  const { values, positionals } = parse(args, OPTIONS, true);
  const [executable, ...rest] = positionals;
  if (executable === undefined) throw new UsageError('run needs a command: rxdaemon run [options] -- CMD ARGS...');
  const out = output(values.json === true);
  const options: DaemonOptions = {
    gracefulStopMs: integerOption('grace', values.grace, 5_000),
    ...(values['pid-file'] === undefined ? {} : { pidFile: values['pid-file'] }),
    ...(values.stdout === undefined ? {} : { stdout: values.stdout }),
    ...(values.stderr === undefined ? {} : { stderr: values.stderr }),
  };
  const state = values.state;
  const daemon = await daemonFor({ command: executable, args: rest }, options, state, out);
  let leaving = false;
  const leave = (): void => {
    if (leaving) return;
    leaving = true;
    if (values['keep-on-exit'] === true) {
      if (state !== undefined) writeState(state, daemon.snapshot());
      daemon.close();
    } else void daemon.stop();
  };
  process.on('SIGINT', leave);
  process.on('SIGTERM', leave);
  const code = await new Promise<number>((resolve) => {
    daemon.events$.subscribe({
      next: (event) => {
        out.event(event);
        // The state follows the process, so even a SIGKILLed rxdaemon leaves a survivor to adopt.
        if (state !== undefined && (event.type === 'started' || event.type === 'adopted' || event.type === 'stopped' || event.type === 'gave-up')) {
          writeState(state, daemon.snapshot());
        }
      },
      complete: () => {
        resolve(daemon.state.status === 'gave-up' ? EXIT.failure : EXIT.ok);
      },
    });
    daemon.start();
  });
  // Only now, after the signal that ended the daemon has been handled: while
  // write-file-atomic writes, signal-exit listens too, and re-raises a signal
  // that finds no other listener, which would kill this process by it.
  process.off('SIGINT', leave);
  process.off('SIGTERM', leave);
  return code;
};
