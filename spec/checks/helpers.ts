import type { AddressInfo, Server as NetServer } from 'node:net';
import { Observable } from 'rxjs';
import type { Check } from '../../lib/checks/check.js';
import { waitFor } from '../helpers/real-processes.js';

/** Listens on a free port of 127.0.0.1 and says which. */
export const listening = (server: NetServer): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as AddressInfo).port);
    });
  });

const clientSockets = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

/**
 * Fails unless this process soon holds no TCP socket: a destroyed socket's
 * handle goes at the next turn of the loop, so it is looked for again for
 * up to a second.
 */
export const expectNoSocketLeft = (): Promise<void> =>
  waitFor(() => `this process to hold no TCP socket (it holds ${clientSockets()})`, () => clientSockets() === 0, 1_000);

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
