import { describeEvent, eventLevel } from '../daemon/log-event.js';
import type { DaemonEvent } from '../events.js';
import { isFleetEvent, type FleetEvent } from '../manager/events.js';

/** What the command line prints: a daemon's events (`run`) and a manager's (`manage`). */
export type PrintedEvent = DaemonEvent | FleetEvent;
import { describeFleetEvent, fleetEventLevel } from '../manager/log-fleet-event.js';

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90 } as const;
type Colour = keyof typeof ANSI;

const colourOf = (event: PrintedEvent): Colour => {
  switch (event.type) {
    case 'started':
    case 'adopted':
    case 'stable':
    case 'completed':
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

const paint = (text: string, colour: Colour, on: boolean): string => (on ? `\u001B[${ANSI[colour]}m${text}\u001B[39m` : text);

/**
 * One event as a human line: wall-clock time, the daemon's id, what
 * happened, coloured by how much it matters when `colour` is set.
 */
export const formatEvent = (event: PrintedEvent, colour: boolean, now = new Date()): string => {
  const time = now.toISOString().slice(11, 23);
  const id = 'id' in event && event.id !== undefined && !isFleetEvent(event) ? `${paint(`[${event.id}]`, 'magenta', colour)} ` : '';
  const text = isFleetEvent(event) ? describeFleetEvent(event) : describeEvent(event);
  return `${paint(time, 'grey', colour)} ${id}${paint(text, colourOf(event), colour)}`;
};
