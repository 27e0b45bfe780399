import type { ManagerEvent } from '../manager/events.js';
import { formatEvent, wantsColour } from './format.js';

/** How the command line prints events: one JSON object a line (`--json`), or a readable line. */
export interface Output {
  event(event: ManagerEvent): void;
  /** A note from the command itself (not an event), to stderr so it never mixes with `--json` lines. */
  note(message: string): void;
}

/** Prints to this process's stdout and stderr. */
export const consoleOutput = (json: boolean): Output => {
  const colour = !json && wantsColour(process.stdout);
  return {
    event: (event) => {
      process.stdout.write(`${json ? JSON.stringify(event) : formatEvent(event, colour)}\n`);
    },
    note: (message) => {
      process.stderr.write(`rxdaemon: ${message}\n`);
    },
  };
};

/** The exit codes of the command line. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A bad command line: the message and the usage go to stderr, and the exit code is 2. */
export class UsageError extends Error {}
