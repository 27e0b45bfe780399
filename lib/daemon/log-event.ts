import type { DaemonEvent } from '../events.js';
import { silentLogger, type Logger } from '../logger.js';
import { gaveUpAfter } from './cause.js';

/** One event as a short line of text, without its time or id. */
export const describeEvent = (event: DaemonEvent): string => {
  switch (event.type) {
    case 'spawning':
      return `spawning (attempt ${event.attempt})`;
    case 'started':
      return `started pid ${event.pid} (attempt ${event.attempt})`;
    case 'spawn-failed':
      return `spawn failed (attempt ${event.attempt}): ${event.error.message}`;
    case 'adopted':
      return `adopted pid ${event.pid}`;
    case 'ready':
      return `pid ${event.pid} is ready (after ${event.afterMs} ms)`;
    case 'not-ready':
      return `pid ${event.pid} not ready after ${event.afterMs} ms: ${event.error.message}`;
    case 'health-failed':
      return `pid ${event.pid} health check failed (${event.failures} in a row): ${event.error.message}`;
    case 'unhealthy':
      return `pid ${event.pid} is unhealthy: ${event.failures} health checks failed in a row`;
    case 'stable':
      return `pid ${event.pid} is stable`;
    case 'exited':
      return `pid ${event.pid} exited${event.adopted ? '' : event.signal === null ? ` with code ${String(event.code)}` : ` by ${event.signal}`}`;
    case 'backoff':
      return `waiting ${event.delayMs} ms before attempt ${event.attempt}`;
    case 'stopping':
    case 'killing':
      return `sent ${event.signal} to pid ${event.pid}`;
    case 'stopped':
      return 'stopped';
    case 'closed':
      return event.pid === undefined ? 'closed' : `closed, pid ${event.pid} left running`;
    case 'gave-up':
      return `gave up after ${gaveUpAfter(event)}`;
    case 'completed':
      return `completed: ${event.signal === null ? `exit code ${String(event.code)}` : `killed by ${event.signal}`}, not restarted by its rule`;
    case 'pidfile-error':
      return `pid file ${event.path}: ${event.error.message}`;
    case 'rotate-failed':
      return `log rotation: ${event.error.message}`;
  }
};

/** How loud an event is: a crash loop warns, giving up is an error, the rest is routine. */
export const eventLevel = (event: DaemonEvent): keyof Logger => {
  switch (event.type) {
    case 'spawning':
    case 'stable':
      return 'debug';
    case 'spawn-failed':
    case 'backoff':
    case 'killing':
    case 'pidfile-error':
    case 'rotate-failed':
    case 'not-ready':
    case 'health-failed':
    case 'unhealthy':
      return 'warn';
    case 'gave-up':
      return 'error';
    default:
      return 'info';
  }
};

/** Writes one event to a logger as a line. Events carry no token, so neither do these lines. */
export const logEvent = (logger: Logger, event: DaemonEvent): void => {
  // The default logger would throw the line away: do not build it (a restart loop makes many).
  if (logger === silentLogger) return;
  logger[eventLevel(event)](`rxdaemon${event.id === undefined ? '' : `[${event.id}]`}: ${describeEvent(event)}`);
};
