import type { DaemonEvent } from '../events.js';
import type { ControlError, ControlOutcome } from './control-outcome.js';

interface At {
  readonly at: number;
}

/** One reconcile (M1): what it started (not what a limit held back: see `limit-reached`), stopped and replaced, and how many it left alone. */
export interface ReconcileEvent extends At {
  readonly type: 'reconcile';
  readonly started: readonly string[];
  readonly stopped: readonly string[];
  readonly replaced: readonly string[];
  readonly unchanged: number;
}
/**
 * M6: an entry of the desired set whose id is not a safe file name, whose
 * command or options are malformed, or whose `after` cannot be met; it alone
 * is skipped, and what the last set had for its id (a running daemon) is kept.
 */
export interface InvalidEntryEvent extends At {
  readonly type: 'invalid-entry';
  readonly id: string;
  /** Set where a program may act on it: `ELIMITS`, a limit whose controller is not delegated (the message names it); `ECGROUP`, the service's cgroup cannot be made. */
  readonly code?: 'ELIMITS' | 'ECGROUP';
  readonly message: string;
}
/**
 * M4: a snapshot entry that was not adopted (dead, reused pid, another boot,
 * malformed …). M8, `EHIDDEN` also: a process that may be the spawn a killed
 * manager never recorded, but cannot be told apart (its executable cannot
 * be read); its id is held.
 */
export interface RestoreSkippedEvent extends At {
  readonly type: 'restore-skipped';
  readonly id: string;
  readonly code: string;
  readonly message: string;
}
/**
 * M8: a live process of this data dir's scope that no record holds: its
 * manager was killed between starting it and recording it. Found by the
 * scope in its environment, or, where that no longer shows it, by the
 * intent written before its spawn. It is stopped (its stop's events
 * follow, with its id), never left unsupervised.
 */
export interface StrayEvent extends At {
  readonly type: 'stray';
  /** Its `RXDAEMON_ID` (or its intent's id), or '' when it has none. */
  readonly id: string;
  readonly pid: number;
}
/**
 * A limit of the OS would stop some of the daemons the manager was to
 * start (a cgroup's pids.max, RLIMIT_NPROC, kernel.pid_max,
 * kernel.threads-max): as many as it leaves room for were started, `held`
 * (every id it holds now) were not. Held ids are tried again when a daemon
 * of the manager ends, every 10 s, at `start(id)` and at the next
 * reconcile; said once, instead of a spawn failing for each, and again
 * when some of them start and others are still held.
 */
export interface LimitReachedEvent extends At {
  readonly type: 'limit-reached';
  readonly limit: string;
  readonly value: number;
  readonly inUse: number;
  /** How to raise it. */
  readonly raise: string;
  readonly held: readonly string[];
}
/** M4: the restore at start is done: which ids were adopted and kept supervising. */
export interface RestoredEvent extends At {
  readonly type: 'restored';
  readonly adopted: readonly string[];
}
/** M3: snapshot.json was written. */
export interface SnapshotWrittenEvent extends At {
  readonly type: 'snapshot-written';
  readonly path: string;
  readonly daemons: number;
}
/** M3: writing snapshot.json failed; the manager runs on and tries again at the next change. */
export interface SnapshotErrorEvent extends At {
  readonly type: 'snapshot-error';
  readonly path: string;
  readonly error: { readonly code: string; readonly message: string };
}
/** A snapshot.json that could not be read was set aside for inspection, and the manager started empty. */
export interface SnapshotCorruptEvent extends At {
  readonly type: 'snapshot-corrupt';
  readonly path: string;
  readonly movedTo: string;
  readonly message: string;
}
/**
 * Once at start, before the first reconcile (Containment): how the manager
 * contains its services, `cgroup` (each in `<root>/rxd-<scope>/<id>`) or
 * `process-group`, and why, in words (the cgroup root and which limits may
 * apply, or what is missing for cgroups).
 */
export interface ContainmentEvent extends At {
  readonly type: 'containment';
  readonly mode: 'cgroup' | 'process-group';
  readonly reason: string;
}
/**
 * Terminal: the manager could not start. `ELOCKED`: another live manager
 * owns the data dir (M7). `EDATADIR`: the data dir cannot be created or
 * written. `ECGROUP`: `containment: 'cgroup'` was asked for and no cgroup v2
 * hierarchy can be written (the message says what is missing).
 */
export interface ManagerRefusedEvent extends At {
  readonly type: 'manager-refused';
  readonly code: 'ELOCKED' | 'EDATADIR' | 'ECGROUP';
  readonly message: string;
}
/** Terminal (M5): every daemon detached and left running; the final snapshot is written. */
export interface ManagerClosedEvent extends At {
  readonly type: 'manager-closed';
}
/** Terminal (M5): every daemon stopped; the snapshot is empty. */
export interface ManagerStoppedEvent extends At {
  readonly type: 'manager-stopped';
}

/**
 * An error of the desired-set stream (`desired$`): not a bug of the
 * manager's. The running set is kept; no set comes after an error, so the
 * manager runs on with the last one until it is closed or killed.
 */
export interface DesiredErrorEvent extends At {
  readonly type: 'desired-error';
  readonly error: { readonly code: string; readonly message: string };
}
/**
 * A service whose `after` names services not ready yet (a one-shot: not
 * completed with exit code 0 yet): it is spawned once they all are. Said
 * again, with fewer, as each of them becomes ready or completes.
 */
export interface WaitingEvent extends At {
  readonly type: 'waiting';
  readonly id: string;
  /** The ids it waits for. */
  readonly for: readonly string[];
  /** Why, in words (`waiting for db to be ready`): its state's cause. */
  readonly cause: string;
}
/**
 * How a dependency ended without meeting an `after`: it gave up; it
 * completed (a one-shot with a code other than 0, or a signal; a daemon,
 * which is then not ready); it was stopped on request; or it is `invalid`:
 * it cannot be started (a process recorded for it still runs and cannot be
 * supervised; it was refused, `ELIMITS` or `ECGROUP`, and no earlier set
 * had it).
 */
export type DependencyEnd = 'gave-up' | 'completed' | 'stopped' | 'invalid';
/**
 * A service waits for a dependency (`after`) that ended without being
 * ready or completing with exit code 0 (see {@link DependencyEnd}): it
 * waits on, with that cause, until the dependency is ready, or has
 * completed with 0, again (a `start` of it, a changed definition).
 * Said when the dependency ends so, and when a service comes to wait for
 * one that has.
 */
export interface DependencyFailedEvent extends At {
  readonly type: 'dependency-failed';
  /** The service that waits. */
  readonly id: string;
  /** The service it waits for. */
  readonly dependency: string;
  readonly how: DependencyEnd;
  /** Why it waits, in words (`waiting for migrate to complete: migrate exited with code 3`): its state's cause. */
  readonly cause: string;
}
/**
 * A one-shot task that an earlier manager of this data dir saw complete
 * with exit code 0, in this boot, with the definition the desired set
 * gives it now: it is not run again (systemd's `RemainAfterExit` within a
 * boot), and what starts after it may start. A `start` or `restart` of it
 * runs it again; a stop, a change of its definition, its removal or a
 * `kill()` forgets it.
 */
export interface AlreadyCompletedEvent extends At {
  readonly type: 'already-completed';
  readonly id: string;
  /** When it completed (the scheduler's clock, ms). */
  readonly completedAt: number;
}
/** M9: a request for one daemon (`restart`, `stop`, `start`) carried out (`started`, `restarted`, `stopped`), or found done already (`already-running`, `already-stopped`). */
export interface ControlDoneEvent extends At {
  readonly type: 'control-done';
  readonly id: string;
  readonly request: ControlRequest['type'];
  readonly outcome: ControlOutcome;
}
/**
 * M9: a request for one daemon (`restart`, `stop`, `start`) that could not
 * be carried out, and why: refused (`EREFUSED`), or its new process failed
 * to spawn (`ESPAWN`; the daemon goes on as its policy says).
 */
export interface ControlRefusedEvent extends At {
  readonly type: 'control-refused';
  readonly id: string;
  readonly request: ControlRequest['type'];
  readonly code: Exclude<ControlError['code'], 'EENDED'>;
  readonly message: string;
}

/**
 * M9: control.sock is not served: something that is not a socket is at its
 * path (left alone), or listening failed. The manager runs on, out of reach
 * of `rxdaemon status`, `restart`, `stop`, `start` and `logs`.
 */
export interface ControlErrorEvent extends At {
  readonly type: 'control-error';
  readonly path: string;
  readonly error: { readonly code: string; readonly message: string };
}

/** M9: what can be asked of one daemon of a running manager. */
export interface ControlRequest {
  /** `restart`: a graceful stop, then an immediate spawn; `stop`: stopped, and held down until `start`; `start`: run again, if desired. */
  readonly type: 'restart' | 'stop' | 'start';
  readonly id: string;
}

/** The manager's own events. */
export type FleetEvent =
  | ContainmentEvent
  | ReconcileEvent
  | WaitingEvent
  | DependencyFailedEvent
  | AlreadyCompletedEvent
  | DesiredErrorEvent
  | ControlDoneEvent
  | ControlRefusedEvent
  | ControlErrorEvent
  | InvalidEntryEvent
  | RestoreSkippedEvent
  | StrayEvent
  | LimitReachedEvent
  | RestoredEvent
  | SnapshotWrittenEvent
  | SnapshotErrorEvent
  | SnapshotCorruptEvent
  | ManagerRefusedEvent
  | ManagerClosedEvent
  | ManagerStoppedEvent;

/** A daemon's event as a manager emits it: always with the daemon's id. */
export type ManagedDaemonEvent = DaemonEvent & { readonly id: string };

/** Everything `manage()` emits: every daemon's events (each with its `id`), and the manager's own. */
export type ManagerEvent = ManagedDaemonEvent | FleetEvent;

/** Manager events as a part of the manager says them: without `at`, which the manager stamps with its scheduler's clock. */
export type Unstamped<T extends FleetEvent> = T extends unknown ? Omit<T, 'at'> : never;

const FLEET_TYPES = new Set<string>([
  'containment',
  'reconcile',
  'limit-reached',
  'waiting',
  'dependency-failed',
  'already-completed',
  'desired-error',
  'control-done',
  'control-refused',
  'control-error',
  'invalid-entry',
  'restore-skipped',
  'stray',
  'restored',
  'snapshot-written',
  'snapshot-error',
  'snapshot-corrupt',
  'manager-refused',
  'manager-closed',
  'manager-stopped',
] satisfies FleetEvent['type'][]);

/** Whether an event is the manager's own rather than one of its daemons'. */
export const isFleetEvent = (event: DaemonEvent | FleetEvent): event is FleetEvent => FLEET_TYPES.has(event.type);

/** The events after which the manager's stream completes. */
export const isManagerTerminal = (event: ManagerEvent): event is ManagerRefusedEvent | ManagerClosedEvent | ManagerStoppedEvent =>
  event.type === 'manager-refused' || event.type === 'manager-closed' || event.type === 'manager-stopped';
