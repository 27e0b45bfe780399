import { Observable } from 'rxjs';
import { check, checkNonEmptyString, satisfying } from '../validate.js';
import type { Check } from './check.js';
import { errnoOf } from '../errno.js';
import { checkError } from './check-error.js';

// A port a connection can be made to.
const Port = satisfying('an integer between 1 and 65535', (value): value is number => Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= 65_535);

/**
 * A check that passes when `host:port` accepts a TCP connection. The socket
 * is destroyed as soon as the attempt is decided, and when it is
 * unsubscribed (its timeout, a stop): nothing is ever sent on it. A failure
 * carries the errno (`ECONNREFUSED`, `EHOSTUNREACH`, `ENOTFOUND`…).
 * Throws a TypeError for a port or host that cannot be connected to.
 *
 * @example
 * new Daemon({ command: 'redis-server' }, { ready: { check: checks.tcp(6379) } });
 */
export const tcp = (port: number, host = '127.0.0.1'): Check => {
  check('port', port, Port);
  checkNonEmptyString('host', host);
  // Loaded by the first check made, not by import('rxdaemon'): a cold start pays for no socket code (P7).
  const { connect } = process.getBuiltinModule('node:net');
  return () =>
    new Observable<void>((subscriber) => {
      const socket = connect({ port, host });
      socket.once('connect', () => {
        subscriber.next();
        subscriber.complete();
      });
      // Node's message names the call, the errno and the address: `connect ECONNREFUSED 127.0.0.1:5432`.
      // `on`, not `once`: a socket with no error listener left would crash the supervisor on a late error.
      socket.on('error', (error) => {
        subscriber.error(checkError((errnoOf(error) ?? 'ECONNECT'), error.message));
      });
      return () => socket.destroy();
    });
};
