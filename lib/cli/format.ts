import { describeEvent, eventLevel } from '../daemon/log-event.js';
import type { DaemonEvent } from '../events.js';
import { isFleetEvent, type FleetEvent } from '../manager/events.js';
import { describeFleetEvent, fleetEventLevel } from '../manager/log-fleet-event.js';
import type { OutputStream } from '../output/output-lines.js';

/** What the command line prints: a daemon's events (`run`) and a manager's (`manage`). */
export type PrintedEvent = DaemonEvent | FleetEvent;

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90 } as const;
/** The colours the command line uses. */
export type Colour = keyof typeof ANSI;

/**
 * Whether an event says something failed: a run that ended by itself with a
 * non-zero code or a signal, a spawn or a check that failed, a policy that
 * gave up, a manager that could not start. Whatever its level, it gets the
 * one failure colour, so that an eye running down the lines finds it.
 */
export const isFailure = (event: PrintedEvent): boolean => {
  switch (event.type) {
    case 'exited':
      return !event.requested && (event.signal !== null || (event.code !== null && event.code !== 0));
    case 'completed':
      return event.signal !== null || event.code !== 0;
    case 'spawn-failed':
    case 'gave-up':
    case 'not-ready':
    case 'health-failed':
    case 'unhealthy':
    case 'limit-reached':
    case 'dependency-failed':
    case 'manager-refused':
      return true;
    default:
      return false;
  }
};

const colourOf = (event: PrintedEvent): Colour => {
  if (isFailure(event)) return 'red';
  switch (event.type) {
    case 'started':
    case 'adopted':
    case 'stable':
    case 'completed':
    case 'already-completed':
    case 'restored':
      return 'green';
    case 'stopped':
    case 'closed':
    case 'manager-closed':
    case 'manager-stopped':
      return 'blue';
    case 'stopping':
    case 'exited':
    case 'reconcile':
      return 'cyan';
    default: {
      const level = isFleetEvent(event) ? fleetEventLevel(event) : eventLevel(event);
      return level === 'error' ? 'red' : level === 'warn' ? 'yellow' : 'grey';
    }
  }
};

/** Whether a stream should get colours: a terminal, and no NO_COLOR in the environment. */
export const wantsColour = (stream: { isTTY?: boolean }): boolean => stream.isTTY === true && process.env.NO_COLOR === undefined;

/** `text` in `colour` when `on`, as it is otherwise. */
export const paint = (text: string, colour: Colour, on: boolean): string => (on ? `\u001B[${ANSI[colour]}m${text}\u001B[39m` : text);

/** Two digits, zero-padded: clocks and durations. */
export const two = (n: number): string => String(n).padStart(2, '0');

/**
 * A moment as the local wall clock shows it, with its offset from UTC, so a
 * line can be read at a glance and still compared with another zone's:
 * `2026-11-27 10:02:03.120+01:00`. `offsetMinutes` (east of UTC) defaults to
 * the zone of this process (`TZ`) at that moment.
 *
 * @example
 * localTime(new Date('2026-11-27T09:02:03.120Z'), 60); // '2026-11-27 10:02:03.120+01:00'
 */
export const localTime = (date: Date, offsetMinutes = -date.getTimezoneOffset()): string => {
  // The local clock's fields, read as UTC fields of a date shifted by the offset.
  const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = Math.abs(offsetMinutes);
  return `${local.slice(0, 10)} ${local.slice(11, 23)}${sign}${two(Math.floor(offset / 60))}:${two(offset % 60)}`;
};

/** How lines look: coloured or not, and the width ids are padded to so that lines align. */
export interface LineStyle {
  readonly colour: boolean;
  /** The length of the longest id the lines will show; 0 when they show none (`run`). */
  readonly idWidth: number;
}

/** The width that aligns the lines of these ids: the longest's length. */
export const idWidthOf = (ids: Iterable<string>): number => Math.max(0, ...[...ids].map((id) => id.length));

// `[id] ` padded to the width; a manager's own line gets as many spaces, so its text starts where a daemon's does.
const idColumn = (id: string | undefined, { colour, idWidth }: LineStyle): string => {
  if (id === undefined) return idWidth === 0 ? '' : ' '.repeat(idWidth + 3);
  return `${paint(`[${id}]`, 'magenta', colour)}${' '.repeat(Math.max(0, idWidth - id.length) + 1)}`;
};

/**
 * One event as a human line: local time with its offset, the daemon's id
 * padded to `style.idWidth`, what happened, coloured by how much it matters
 * (a failure in red) when `style.colour` is set.
 *
 * @example
 * formatEvent({ type: 'stopped', at: 0, id: 'web' }, { colour: false, idWidth: 6 });
 * // '2026-11-27 10:02:03.120+01:00 [web]    stopped'
 */
export const formatEvent = (event: PrintedEvent, style: LineStyle, now = new Date()): string => {
  const id = isFleetEvent(event) ? undefined : event.id;
  const text = isFleetEvent(event) ? describeFleetEvent(event) : describeEvent(event);
  return `${paint(localTime(now), 'grey', style.colour)} ${idColumn(id, style)}${paint(text, colourOf(event), style.colour)}`;
};

/** A line a daemon wrote, as the command line shows it: whose (every daemon of a manager has an id), from which of its outputs, and its text. */
export interface ShownLine {
  readonly id?: string | undefined;
  readonly stream: OutputStream;
  readonly text: string;
}

// The stream as a mark that a pipe keeps, where there is no colour to tell them: `|` stdout, `!` stderr.
const streamMark = (stream: OutputStream, colour: boolean): string => (stream === 'stderr' ? paint('!', 'red', colour) : paint('|', 'grey', colour));

/**
 * One line of a daemon's output among other daemons' and streams' lines,
 * as `rxdaemon logs` shows it: its id padded to `style.idWidth`, a mark
 * of its stream (`|` stdout, `!` stderr), and the line as written.
 *
 * @example
 * formatLogLine({ id: 'web', stream: 'stderr', text: 'slow request' }, { colour: false, idWidth: 6 });
 * // '[web]    ! slow request'
 */
export const formatLogLine = ({ id, stream, text }: ShownLine, style: LineStyle): string => `${idColumn(id, style)}${streamMark(stream, style.colour)} ${text}`;

/**
 * One line a daemon wrote to its output, as the lines of its events show it
 * (`rxdaemon manage --output`): the time it was read, then the line as
 * {@link formatLogLine} shows it.
 *
 * @example
 * formatOutputLine({ id: 'web', stream: 'stdout', text: 'listening on :8080' }, { colour: false, idWidth: 6 });
 * // '2026-11-27 10:02:03.120+01:00 [web]    | listening on :8080'
 */
export const formatOutputLine = (line: ShownLine, style: LineStyle, now = new Date()): string => `${paint(localTime(now), 'grey', style.colour)} ${formatLogLine(line, style)}`;
