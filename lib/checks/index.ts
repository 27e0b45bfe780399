import { exec } from './exec.js';
import { http } from './http.js';
import { output } from './output.js';
import { tcp } from './tcp.js';

export type { Check, CheckTarget, HealthOptions, ReadyOptions } from './check.js';
export type { CheckError } from './check-error.js';
export type { HttpCheckOptions } from './http.js';

/**
 * The built-in checks, for `ready` and `health`: `tcp` (a connection is
 * accepted), `http` (a GET answers 2xx, or what `expectStatus` accepts),
 * `exec` (a command exits 0), `output` (a line of the daemon's output file
 * matches). Each returns a {@link Check}; each attempt is let go, its
 * socket, request or process ended, when it is unsubscribed.
 *
 * @example
 * new Daemon({ command: 'envoy', args: ['-c', 'envoy.yaml'] }, {
 *   ready: { check: checks.tcp(10000) },
 *   health: { check: checks.http('http://127.0.0.1:9901/ready'), intervalMs: 5_000 },
 * });
 */
export const checks = { tcp, http, exec, output } as const;
