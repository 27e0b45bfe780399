// A user's own agent code: for one service it runs two daemons with options
// of their own under one Manager (a helper that fetches the service's
// certificate and stays to renew it, and an Envoy sidecar that starts only
// once the certificate is there), and reports, as streams, whether the
// sidecar is up and whether everything is ready. This is the code under
// test in agent.spec.ts; nothing in it knows about tests.
import { distinctUntilChanged, filter, map, of, type Observable } from 'rxjs';
import {
  checks as builtIn,
  consulBackoff,
  isFleetEvent,
  limitRestarts,
  Manager,
  withJitter,
  type Check,
  type DaemonState,
  type DesiredSet,
  type ManagedDaemonEvent,
  type ManagerEvent,
  type ManagerOptions,
} from 'rxdaemon';

/** How the agent tells that each daemon works: each one's ready check, also envoy's health check. */
export interface AgentChecks {
  readonly certs: Check;
  readonly envoy: Check;
}

/** What the agent tells its control plane about the sidecar. */
export type SidecarHealth = 'starting' | 'up' | 'down' | 'failed';

/** Options of {@link agent}: where the manager keeps its records, and, for tests, its driver, scheduler, checks and random source. */
export interface AgentOptions extends Pick<ManagerOptions, 'dataDir' | 'driver' | 'scheduler'> {
  /** The source of the restart jitter, in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  /** Default {@link defaultChecks}. */
  readonly checks?: AgentChecks;
}

const certificate = (service: string): string => `/etc/envoy/certs/${service}.pem`;

/** The checks of a real host: the helper says it wrote the certificate; Envoy's admin endpoint answers `/ready` with 200 once Envoy is live. */
export const defaultChecks = (): AgentChecks => ({
  certs: builtIn.output(/^certificate written/),
  envoy: builtIn.http('http://127.0.0.1:9901/ready'),
});

/** The daemons of one service: `certs`, the helper, and `envoy`, after it. */
export const services = (service: string, { random = Math.random, checks = defaultChecks() }: Pick<AgentOptions, 'random' | 'checks'> = {}): DesiredSet => ({
  certs: {
    command: 'cert-helper',
    args: ['watch', '--service', service, '--out', certificate(service)],
    // Ready once it says it has written the certificate; it stays, to renew it before it expires.
    ready: { check: checks.certs, timeoutMs: 30_000 },
    restart: consulBackoff({ baseDelayMs: 500 }),
    gracefulStopMs: 1_000,
  },
  envoy: {
    command: 'envoy',
    args: ['-c', `/etc/envoy/${service}.yaml`],
    // Envoy reads the certificate when it starts.
    after: ['certs'],
    // Envoy drains its connections on SIGTERM, for up to 20 s; SIGINT would end it at once.
    stopSignal: 'SIGTERM',
    gracefulStopMs: 20_000,
    // The sidecars of every service crash together when the control plane goes away: the
    // jitter spreads their restarts. More than 5 restarts in a minute will not get better.
    restart: limitRestarts(withJitter(consulBackoff(), 'equal', random), { max: 5, withinMs: 60_000 }),
    ready: { check: checks.envoy },
    // An Envoy can hang without exiting: three checks failed 5 s apart restart it.
    health: { check: checks.envoy, intervalMs: 5_000, timeoutMs: 2_000, failures: 3 },
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

/** Whether every one of `ids` is ready (`running`), from a manager's states: false until each is, and again as soon as one is not. */
export const allReady = (states$: Observable<ReadonlyMap<string, DaemonState>>, ids: readonly string[]): Observable<boolean> =>
  states$.pipe(
    map((states) => ids.every((id) => states.get(id)?.status === 'running')),
    distinctUntilChanged(),
  );

/**
 * The agent of one service: its manager (`run()` it; `close()` leaves the
 * daemons running for the next agent, `kill()` stops them), the sidecar's
 * health and whether all its daemons are ready. Subscribe to `sidecar$`
 * before `run()`: it is hot. `allReady$` starts from the manager's latest
 * states whenever it is subscribed.
 */
export const agent = (
  service: string,
  options: AgentOptions = {},
): { readonly manager: Manager; readonly sidecar$: Observable<SidecarHealth>; readonly allReady$: Observable<boolean> } => {
  const { random, checks, ...managerOptions } = options;
  const desired = services(service, { random, checks });
  const manager = new Manager(of(desired), managerOptions);
  return { manager, sidecar$: sidecarHealth(manager.events$), allReady$: allReady(manager.states$, Object.keys(desired)) };
};
