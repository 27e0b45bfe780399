import type { AddressInfo, Server as NetServer } from 'node:net';
import { Observable } from 'rxjs';
import type { Check } from '../../lib/checks/check.js';

/** Listens on a free port of 127.0.0.1 and says which. */
export const listening = (server: NetServer): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as AddressInfo).port);
    });
  });

/** Waits until `condition` holds, checking every 5 ms; fails after `deadlineMs` naming what it waited for. */
export const waitUntil = async (what: string, condition: () => boolean, deadlineMs = 3_000): Promise<void> => {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const clientSockets = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

/**
 * How many TCP sockets this process still holds open once closes under way
 * are done (a destroyed socket's handle goes at the next turn of the loop):
 * polled until it stops falling, for at most a second.
 */
export const activeSockets = async (): Promise<number> => {
  const end = Date.now() + 1_000;
  let count = clientSockets();
  while (count > 0 && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    count = clientSockets();
  }
  return count;
};

/** Closes a server, if there is one, and waits until it no longer listens. */
export const closed = (server: NetServer | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (server === undefined) resolve();
    else
      server.close(() => {
        resolve();
      });
  });

/** A check whose attempts never answer, and how many of them are subscribed now: 0 once each was let go. */
export const hangingCheck = (): { readonly check: Check; readonly active: () => number } => {
  let active = 0;
  const check: Check = () =>
    new Observable<never>(() => {
      active++;
      return () => {
        active--;
      };
    });
  return { check, active: () => active };
};
