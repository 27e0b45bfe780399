import { describeEvent, eventLevel } from '../daemon/log-event.js';
import type { DaemonEvent } from '../events.js';

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90 } as const;
type Colour = keyof typeof ANSI;

const colourOf = (event: DaemonEvent): Colour => {
  switch (event.type) {
    case 'started':
    case 'adopted':
    case 'healthy':
      return 'green';
    case 'stopped':
    case 'closed':
      return 'blue';
    case 'stopping':
    case 'exited':
      return 'cyan';
    default:
      return eventLevel(event) === 'debug' ? 'grey' : eventLevel(event) === 'error' ? 'red' : 'yellow';
  }
};

/** Whether a stream should get colours: a terminal, and no NO_COLOR in the environment. */
export const wantsColour = (stream: { isTTY?: boolean }): boolean => stream.isTTY === true && process.env.NO_COLOR === undefined;

const paint = (text: string, colour: Colour, on: boolean): string => (on ? `\u001B[${ANSI[colour]}m${text}\u001B[39m` : text);

/**
 * One event as a human line: wall-clock time, the daemon's id, what
 * happened. Coloured by how much it matters when `colour` is set.
 */
export const formatEvent = (event: DaemonEvent, colour: boolean, now = new Date()): string => {
  const time = now.toISOString().slice(11, 23);
  const id = event.id === undefined ? '' : `${paint(`[${event.id}]`, 'magenta', colour)} `;
  return `${paint(time, 'grey', colour)} ${id}${paint(describeEvent(event), colourOf(event), colour)}`;
};
