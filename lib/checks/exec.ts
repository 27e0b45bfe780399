import { basename } from 'node:path';
import { Observable } from 'rxjs';
import { lookUpProcStat } from '../process/proc-stat.js';
import { endGroup } from '../process/signal.js';
import { check, checkNonEmptyString, satisfying } from '../validate.js';
import type { Check } from './check.js';
import { checkError, type CheckError } from './check-error.js';

// An event holds a line or two of what the check said, the end of it: a
// failing command says why last.
const MAX_OUTPUT_LINES = 2;
const MAX_OUTPUT_CHARS = 200;
// A check that writes more than this is cut short and fails: a probe has no reason to be that chatty.
const MAX_BUFFER = 1_000_000;

/** The last lines of a check's output, on one line, at most {@link MAX_OUTPUT_CHARS}. */
export const outputTail = (output: string): string => {
  const tail = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-MAX_OUTPUT_LINES)
    .join(' | ');
  return tail.length > MAX_OUTPUT_CHARS ? `…${tail.slice(-(MAX_OUTPUT_CHARS - 1))}` : tail;
};

/** What execa's result says of one run of the check (`reject: false`: it never throws). */
interface Outcome {
  readonly exitCode?: number | undefined;
  readonly signal?: string | undefined;
  readonly isMaxBuffer: boolean;
  readonly code?: string | undefined;
  readonly originalMessage?: string | undefined;
  readonly all?: string | undefined;
}

// The command's name without its arguments, which may hold a password.
const failureOf = (name: string, outcome: Outcome): CheckError | undefined => {
  const said = outcome.all === undefined ? '' : outputTail(outcome.all);
  const withOutput = (message: string): string => (said === '' ? message : `${message}: ${said}`);
  if (outcome.isMaxBuffer) return checkError('EMAXBUFFER', `${name} wrote more than ${MAX_BUFFER} characters and was stopped`);
  if (outcome.exitCode === 0) return undefined;
  if (outcome.exitCode !== undefined) return checkError('EEXIT', withOutput(`${name} exited with code ${outcome.exitCode}`));
  if (outcome.signal !== undefined) return checkError('ESIGNAL', withOutput(`${name} was killed by ${outcome.signal}`));
  // Not started at all: ENOENT, EACCES… and node's words for it (`spawn pg_isready ENOENT`).
  return checkError(outcome.code ?? 'EEXEC', `cannot run ${name}: ${outcome.originalMessage ?? 'unknown error'}`);
};

const Strings = satisfying('an array of strings', (value): value is readonly string[] => Array.isArray(value) && value.every((arg) => typeof arg === 'string'));

/**
 * A check that runs `command` with `args` through execa (no shell) and
 * passes when it exits with code 0. A non-zero exit fails with the last
 * line or two of its stdout and stderr in the message (code `EEXIT`); a
 * command that cannot be started fails with its errno (`ENOENT`…). The
 * command runs in a process group of its own, which is SIGKILLed when the
 * attempt is unsubscribed (its timeout, a stop) and when it is decided, so
 * neither a hung check nor anything it left behind outlives its attempt.
 * execa is loaded at the first attempt, not with rxdaemon. Throws a
 * TypeError for a command that is not a non-empty string or args that are
 * not strings.
 *
 * @example
 * new Daemon({ command: 'postgres', args: ['-D', '/var/lib/pg'] }, {
 *   ready: { check: checks.exec('pg_isready', ['-h', '127.0.0.1']) },
 * });
 */
export const exec = (command: string, args: readonly string[] = []): Check => {
  checkNonEmptyString('command', command);
  check('args', args, Strings);
  const name = basename(command);
  return () =>
    new Observable<void>((subscriber) => {
      let over = false;
      let ending: (() => void) | undefined;
      const run = async (): Promise<CheckError | undefined> => {
        const { execa } = await import('execa');
        // Unsubscribed while execa loaded: nothing to start.
        if (over) return undefined;
        const subprocess = execa(command, [...args], {
          reject: false,
          all: true,
          stdin: 'ignore',
          maxBuffer: MAX_BUFFER,
          // Its own group, so its children can be ended with it; execa's exit hook does not apply to a detached
          // process, and an attempt is ended by its own teardown anyway.
          detached: true,
          // Our SIGKILL of the group is the only kill.
          forceKillAfterDelay: false,
          // A check is the supervisor's helper, not a daemon: an outer supervisor's id, token and scope stay out of it.
          env: { RXDAEMON_ID: undefined, RXDAEMON_TOKEN: undefined, RXDAEMON_SCOPE: undefined },
        });
        const { pid } = subprocess;
        if (pid !== undefined) {
          // Read while the child is ours and unreaped, so endGroup can tell its group from a later process's.
          const look = lookUpProcStat(pid);
          const leader = { pid, startTime: look.kind === 'found' ? look.stat.startTime : null };
          ending = () => endGroup(leader);
        }
        return failureOf(name, await subprocess);
      };
      run().then(
        (failure) => {
          if (failure === undefined) subscriber.complete();
          else subscriber.error(failure);
        },
        (error: unknown) => {
          subscriber.error(error);
        },
      );
      return () => {
        over = true;
        ending?.();
      };
    });
};
