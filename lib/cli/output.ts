import type { OutputLine } from '../output/with-lines.js';
import type { PrintedEvent } from './format.js';
import { formatEvent, formatOutputLine, idWidthOf, wantsColour } from './format.js';

/**
 * Writes to a stream that its reader may close at any moment (`| head -2`,
 * a `| grep` ended by the same Ctrl-C): the first error (EPIPE) is taken in
 * and ends the writing, and nothing is ever thrown. Supervision and a stop
 * must go on to their end whether or not anyone still reads what we print.
 */
const writerTo = (stream: NodeJS.WriteStream): ((text: string) => void) => {
  let broken = false;
  // Without a listener, an EPIPE emitted as 'error' kills the process.
  stream.on('error', () => {
    broken = true;
  });
  return (text) => {
    if (broken || stream.destroyed) return;
    try {
      stream.write(text);
    } catch {
      broken = true;
    }
  };
};

let writers: { readonly out: (text: string) => void; readonly err: (text: string) => void } | undefined;
const stdio = () => (writers ??= { out: writerTo(process.stdout), err: writerTo(process.stderr) });

/** Writes to stdout; a closed stdout is not an error. */
export const writeOut = (text: string): void => {
  stdio().out(text);
};

/** Writes to stderr; a closed stderr is not an error. */
export const writeErr = (text: string): void => {
  stdio().err(text);
};

/** How the command line prints events: one JSON object a line (`--json`), or a readable line. */
export interface Output {
  event(event: PrintedEvent): void;
  /** A line a daemon wrote (`manage --output`), among the events: as JSON (`{ type: 'line', at, id, stream, text }`) or behind its id and its stream's mark. */
  line(line: OutputLine): void;
  /** A note from the command itself (not an event), to stderr so it never mixes with `--json` lines. */
  note(message: string): void;
  /**
   * Ids the events will carry (a manager's configured ones): each id is
   * padded to the longest seen so far, so that lines align, and a removed
   * daemon's last lines still do.
   */
  align(ids: Iterable<string>): void;
}

/** Prints to this process's stdout and stderr, neither of which may stop it by closing. */
export const consoleOutput = (json: boolean): Output => {
  const colour = !json && wantsColour(process.stdout);
  let idWidth = 0;
  return {
    event: (event) => {
      writeOut(`${json ? JSON.stringify(event) : formatEvent(event, { colour, idWidth })}\n`);
    },
    line: (line) => {
      writeOut(`${json ? JSON.stringify(line) : formatOutputLine(line, { colour, idWidth })}\n`);
    },
    note: (message) => {
      writeErr(`rxdaemon: ${message}\n`);
    },
    align: (ids) => {
      idWidth = Math.max(idWidth, idWidthOf(ids));
    },
  };
};

/** The exit codes of the command line. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A bad command line: the message and the usage go to stderr, and the exit code is 2. */
export class UsageError extends Error {}
