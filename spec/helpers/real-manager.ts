import { filter, firstValueFrom, ReplaySubject, timeout, type Observable } from 'rxjs';
import type { ManagerEvent } from '../../lib/manager/events.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { Manager } from '../../lib/manager/manager.js';
import type { Sandbox } from './real-processes.js';

/** What a {@link Manager} takes besides its desired set. */
export type RealManagerOptions = NonNullable<ConstructorParameters<typeof Manager>[1]>;

/** A running manager of a spec, and a way to wait for what it emits. */
export interface RealManager {
  readonly manager: Manager;
  /** The first event (since its start) matching `match`, or a failure naming `what` after `deadlineMs` (5 s). */
  readonly next: {
    <T extends ManagerEvent>(match: (event: ManagerEvent) => event is T, what: string, deadlineMs?: number): Promise<T>;
    (match: (event: ManagerEvent) => boolean, what: string, deadlineMs?: number): Promise<ManagerEvent>;
  };
}

/**
 * Stops whatever a spec's manager still runs, at cleanup. A manager that
 * ended before (refused at start, or closed by the spec) runs nothing: its
 * kill() rejects saying so, and that is no failure. Any other rejection is
 * one, and fails the spec.
 */
const killManager = async (manager: Manager): Promise<void> => {
  try {
    await manager.kill();
  } catch (error) {
    const last = await manager.ended();
    if (last?.type !== 'manager-refused' && last?.type !== 'manager-closed') throw error;
  }
};

/**
 * Runs a real {@link Manager} on the sandbox's `data` dir. Every pid it
 * reports is the sandbox's, and the sandbox kills the manager at its
 * cleanup, before its pids.
 */
export const runManager = (sandbox: Sandbox, desired$: Observable<DesiredSet>, options: RealManagerOptions): RealManager => {
  const manager = new Manager(desired$, { dataDir: sandbox.path('data'), ...options });
  sandbox.defer(() => killManager(manager));
  const events = new ReplaySubject<ManagerEvent>();
  manager.events$.subscribe((event) => {
    if ('pid' in event && typeof event.pid === 'number') sandbox.own(event.pid);
    events.next(event);
  });
  manager.run();
  const next = (match: (event: ManagerEvent) => boolean, what: string, deadlineMs = 5_000): Promise<ManagerEvent> =>
    firstValueFrom(events.pipe(filter(match), timeout({ first: deadlineMs, with: () => Promise.reject(new Error(`timed out waiting for ${what}`)) })));
  return { manager, next };
};
