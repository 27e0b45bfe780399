// A user's own agent code: for one service it runs two daemons with options
// of their own under one Manager (an Envoy sidecar, and a small helper that
// fetches the service's certificates and exits), and reports, as a stream,
// whether the sidecar is up. This is the code under test in agent.spec.ts;
// nothing in it knows about tests.
import { distinctUntilChanged, filter, map, of, type Observable } from 'rxjs';
import {
  consulBackoff,
  isFleetEvent,
  limitRestarts,
  Manager,
  restartOn,
  withJitter,
  type DesiredSet,
  type ManagedDaemonEvent,
  type ManagerEvent,
  type ManagerOptions,
} from 'rxdaemon';

/** What the agent tells its control plane about the sidecar. */
export type SidecarHealth = 'starting' | 'up' | 'down' | 'failed';

/** Options of {@link agent}: where the manager keeps its records, and, for tests, its driver, scheduler and random source. */
export interface AgentOptions extends Pick<ManagerOptions, 'dataDir' | 'driver' | 'scheduler'> {
  /** The source of the restart jitter, in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

/** The daemons of one service: `envoy`, and `certs`, the helper. */
export const services = (service: string, random: () => number = Math.random): DesiredSet => ({
  envoy: {
    command: 'envoy',
    args: ['-c', `/etc/envoy/${service}.yaml`],
    // Envoy drains its connections on SIGTERM, for up to 20 s; SIGINT would end it at once.
    stopSignal: 'SIGTERM',
    gracefulStopMs: 20_000,
    // The sidecars of every service crash together when the control plane goes away: the
    // jitter spreads their restarts. More than 5 restarts in a minute will not get better.
    restart: limitRestarts(withJitter(consulBackoff(), 'equal', random), { max: 5, withinMs: 60_000 }),
  },
  certs: {
    command: 'cert-helper',
    args: ['fetch', '--service', service],
    // It writes the certificates and exits 0: done. Only a failure is worth another try.
    restart: restartOn(consulBackoff({ baseDelayMs: 500 }), { when: 'on-failure' }),
    gracefulStopMs: 1_000,
  },
});

const isEnvoy = (event: ManagerEvent): event is ManagedDaemonEvent => !isFleetEvent(event) && event.id === 'envoy';

/** The sidecar's health, from the manager's events: `up` once stable, `down` while it restarts, `failed` when its policy gave up. */
export const sidecarHealth = (events$: Observable<ManagerEvent>): Observable<SidecarHealth> =>
  events$.pipe(
    filter(isEnvoy),
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

/**
 * The agent of one service: its manager (`run()` it; `close()` leaves the
 * daemons running for the next agent, `kill()` stops them) and the
 * sidecar's health. Subscribe to `sidecar$` before `run()`: it is hot.
 */
export const agent = (service: string, options: AgentOptions = {}): { readonly manager: Manager; readonly sidecar$: Observable<SidecarHealth> } => {
  const { random, ...managerOptions } = options;
  const manager = new Manager(of(services(service, random)), managerOptions);
  return { manager, sidecar$: sidecarHealth(manager.events$) };
};
