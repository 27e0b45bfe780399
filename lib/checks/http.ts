import type { ClientRequest, IncomingMessage } from 'node:http';
import { Observable } from 'rxjs';
import { check, checkFunction, satisfying } from '../validate.js';
import type { Check } from './check.js';
import { errnoOf } from '../errno.js';
import { checkError } from './check-error.js';

/** Options of {@link http}. */
export interface HttpCheckOptions {
  /** Whether a status passes. Default: 2xx. */
  readonly expectStatus?: (status: number) => boolean;
}

const is2xx = (status: number): boolean => status >= 200 && status < 300;

/** A URL {@link http} can GET: http: or https:, as a string or a URL. */
export const HttpUrl = satisfying(
  'an http: or https: URL',
  (value): value is string | URL => (typeof value === 'string' || value instanceof URL) && URL.canParse(String(value)) && ['http:', 'https:'].includes(new URL(String(value)).protocol),
);

// What an event may show of the URL: no user, password, query or fragment,
// the places a token hides.
const shown = (url: URL): string => `${url.origin}${url.pathname}`;

/**
 * A check that passes when a GET of `url` answers with a status
 * `expectStatus` accepts (default 2xx). It uses node's own http/https with
 * no agent, so no connection is kept alive between attempts; the request
 * and its socket are destroyed as soon as the status is known (the body is
 * never read), and when the attempt is unsubscribed (its timeout, a stop).
 * A failure says `HTTP 503 from http://127.0.0.1:8080/healthz` (code
 * `EHTTPSTATUS`), or carries the network error's errno. Throws a TypeError
 * for a URL that is not http: or https:, or an `expectStatus` that is not a
 * function.
 *
 * @example
 * new Daemon({ command: 'envoy', args: ['-c', 'envoy.yaml'] }, {
 *   ready: { check: checks.http('http://127.0.0.1:9901/ready') },
 *   health: { check: checks.http('http://127.0.0.1:9901/ready', { expectStatus: (status) => status < 500 }) },
 * });
 */
export const http = (url: string | URL, { expectStatus = is2xx }: HttpCheckOptions = {}): Check => {
  const target = new URL(check('url', url, HttpUrl));
  checkFunction('expectStatus', expectStatus);
  // Loaded by the first check made, not by import('rxdaemon'): node:https alone is a tenth of RxJS's import (P7).
  const { request } = target.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
  return () =>
    new Observable<number>((subscriber) => {
      // agent: false is a fresh agent for this one request, closed with it: no socket outlives the attempt.
      const req: ClientRequest = request(target, { method: 'GET', agent: false, headers: { connection: 'close' } });
      req.on('response', (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        let passes: boolean;
        try {
          passes = expectStatus(status);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        if (!passes) {
          subscriber.error(checkError('EHTTPSTATUS', `HTTP ${status} from ${shown(target)}`));
          return;
        }
        subscriber.next(status);
        subscriber.complete();
      });
      req.on('error', (error) => {
        subscriber.error(checkError((errnoOf(error) ?? 'EHTTP'), `GET ${shown(target)}: ${error.message}`));
      });
      req.end();
      return () => req.destroy();
    });
};
