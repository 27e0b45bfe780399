// A user's own agent code: it runs an Envoy sidecar for a service and
// reports, as a stream, whether the sidecar is up. This is the code under
// test in sidecar.spec.ts; nothing in it knows about tests.
import { distinctUntilChanged, filter, map, type Observable } from 'rxjs';
import { exponentialBackoff, supervise, type DaemonOptions } from 'rxdaemon';

/** What the agent tells its control plane about a sidecar. */
export type SidecarHealth = 'starting' | 'up' | 'down' | 'failed';

/** The sidecar's command for a service. */
export const sidecarCommand = (service: string) => ({
  command: 'envoy',
  args: ['-c', `/etc/envoy/${service}.yaml`],
  id: `${service}-sidecar`,
});

/**
 * Runs the sidecar of `service` and maps its lifecycle to health: `up` once
 * it has run 5 s, `down` while it is restarting, `failed` when the policy
 * gives up after 5 quick crashes in a row.
 */
export const sidecarHealth = (service: string, options: Pick<DaemonOptions, 'driver' | 'scheduler'> & { stop$?: Observable<unknown> } = {}): Observable<SidecarHealth> =>
  supervise(sidecarCommand(service), {
    ...options,
    restart: exponentialBackoff({ baseDelayMs: 500, maxDelayMs: 4_000, stableAfterMs: 5_000, maxAttempts: 5 }),
  }).pipe(
    filter((event) => ['spawning', 'stable', 'exited', 'gave-up'].includes(event.type)),
    map((event): SidecarHealth => {
      switch (event.type) {
        case 'stable':
          return 'up';
        case 'exited':
          return 'down';
        case 'gave-up':
          return 'failed';
        default:
          return 'starting';
      }
    }),
    distinctUntilChanged(),
  );
