import { isTerminal, type DaemonEvent } from '../events.js';
import { isFleetEvent, isManagerTerminal, type ControlRequest, type ManagerEvent } from './events.js';

// The daemon's event that carries a request out; a start has none (it may wait for what it starts after).
const DONE: Readonly<Record<ControlRequest['type'], (event: DaemonEvent) => boolean>> = {
  restart: (event) => event.type === 'started' || event.type === 'spawn-failed',
  stop: isTerminal,
  start: () => false,
};

/**
 * M9: whether an event settles a control request sent just before it: the
 * request's refusal (`control-refused`), the manager's end, or the event of
 * its daemon that carries it out: for a restart, the new process's
 * `started` (or `spawn-failed`); for a stop, the daemon's terminal event. A
 * start is settled by its refusal only, which comes at once if at all.
 *
 * @example
 * const outcome = firstValueFrom(events$.pipe(filter(settles(request))));
 */
export const settles =
  (request: ControlRequest) =>
  (event: ManagerEvent): boolean =>
    isManagerTerminal(event) ||
    (event.type === 'control-refused' && event.id === request.id && event.request === request.type) ||
    (!isFleetEvent(event) && event.id === request.id && DONE[request.type](event));
