import type { Logger } from '../logger.js';
import type { FleetEvent } from './events.js';

const list = (ids: readonly string[]): string => (ids.length === 0 ? '-' : ids.join(', '));

/** One manager event as a short line of text. */
export const describeFleetEvent = (event: FleetEvent): string => {
  switch (event.type) {
    case 'containment':
      return `containment: ${event.mode} (${event.reason})`;
    case 'reconcile':
      return `reconcile: started ${list(event.started)}; stopped ${list(event.stopped)}; replaced ${list(event.replaced)}; ${event.unchanged} unchanged`;
    case 'waiting':
      return `${event.id} is ${event.cause}`;
    case 'already-completed':
      return `${event.id} completed with exit code 0 under an earlier manager, in this boot: not run again`;
    case 'dependency-failed':
      return `${event.id} is ${event.cause} (its dependency ${event.dependency}: ${event.how})`;
    case 'desired-error':
      return `the desired set failed (${event.error.message}); keeping the running set`;
    case 'control-done':
      return `${event.request} ${event.id}: ${event.outcome}`;
    case 'control-refused':
      return `cannot ${event.request} ${event.id}: ${event.message}`;
    case 'control-error':
      return `control socket not served: ${event.error.message}`;
    case 'invalid-entry':
      return `skipped ${JSON.stringify(event.id)}: ${event.message}`;
    case 'restore-skipped':
      return `not restoring ${event.id}: ${event.message}`;
    case 'stray':
      return `stopping pid ${event.pid}${event.id === '' ? '' : ` (${event.id})`}: a process of this data dir that no record holds`;
    case 'limit-reached':
      return `not starting ${list(event.held)}: ${event.limit} is ${event.value} and ${event.inUse} are in use; raise it (${event.raise})`;
    case 'restored':
      return `restored: adopted ${list(event.adopted)}`;
    case 'snapshot-written':
      return `snapshot of ${event.daemons} daemons written`;
    case 'snapshot-error':
      return `snapshot ${event.path} not written: ${event.error.message}`;
    case 'snapshot-corrupt':
      return `snapshot ${event.path} unreadable (${event.message}); kept as ${event.movedTo}, starting empty`;
    case 'manager-refused':
      return `refused to start: ${event.message}`;
    case 'manager-closed':
      return 'manager closed; daemons left running';
    case 'manager-stopped':
      return 'manager stopped; every daemon stopped';
  }
};

/** How loud a manager event is. */
export const fleetEventLevel = (event: FleetEvent): keyof Logger => {
  switch (event.type) {
    case 'invalid-entry':
    case 'dependency-failed':
    case 'desired-error':
    case 'control-refused':
    case 'control-error':
    case 'restore-skipped':
    case 'stray':
    case 'limit-reached':
    case 'snapshot-error':
    case 'snapshot-corrupt':
      return 'warn';
    case 'manager-refused':
      return 'error';
    case 'snapshot-written':
      return 'debug';
    default:
      return 'info';
  }
};

/** Writes one manager event to a logger. */
export const logFleetEvent = (logger: Logger, event: FleetEvent): void => {
  logger[fleetEventLevel(event)](`rxdaemon manager: ${describeFleetEvent(event)}`);
};
