import type { Subscription } from 'rxjs';
import type { Daemon } from '../daemon/daemon.js';
import { isTerminal, type DaemonEvent, type TerminalEvent } from '../events.js';
import type { Dependencies } from './dependencies.js';
import type { Recorder } from './recorder.js';
import type { ControlState } from './control-state.js';
import type { RememberedCompletions } from './remembered-completions.js';
import type { Room } from './room.js';
import type { Roster } from './roster.js';

/** What a fleet's daemons' events reach in it (see {@link followDaemon}): one for all its daemons. */
export interface FollowPorts {
  readonly room: Pick<Room, 'counted' | 'retry'>;
  readonly dependencies: Pick<Dependencies, 'see' | 'meets' | 'endedUnmet'>;
  readonly recorder: Pick<Recorder, 'see' | 'intend'>;
  readonly roster: Pick<Roster, 'serviceOf' | 'daemonOf'>;
  readonly remembered: Pick<RememberedCompletions, 'record'>;
  readonly controlState: Pick<ControlState, 'tellIfStopped'>;
  /** The event, told as the fleet's. */
  readonly emit: (event: DaemonEvent) => void;
  /** What waits for `id`, looked at again. */
  readonly review: (id: string) => void;
  /** A daemon erred: a bug, which the fleet's stream carries. */
  readonly fail: (error: unknown) => void;
}

/** A one-shot's completion with exit code 0, recorded: the completion of the id's own daemon, not of one being retired, so that what is recorded is its definition's. */
const recordCompletion = (id: string, daemon: Daemon, at: number, { roster, remembered }: FollowPorts): void => {
  const service = roster.serviceOf(id);
  if (service !== undefined && roster.daemonOf(id) === daemon) remembered.record(id, service, at);
};

/**
 * A daemon of `id` ended: a one-shot that completed with exit code 0
 * meets what waits for it; any other end of one but a stop or close the
 * manager made (a reconcile, a replacement, its own end) leaves what waits
 * for it waiting, told how. Its processes are gone: room is freed for what
 * a limit holds.
 */
const ended = (id: string, event: TerminalEvent, daemon: Daemon, ports: FollowPorts): void => {
  const cause = daemon.state.cause ?? event.type;
  if (event.type === 'completed') {
    if (ports.dependencies.meets(id)) ports.review(id);
    else ports.dependencies.endedUnmet(id, { how: 'completed', cause });
  } else if (event.type === 'gave-up') ports.dependencies.endedUnmet(id, { how: 'gave-up', cause });
  else if (event.type === 'stopped') ports.controlState.tellIfStopped(id, ports.dependencies);
  ports.room.retry();
};

/**
 * The wiring of one daemon's events into its fleet, in the order each
 * event is handled: counted and gated first, recorded (M8) before it is
 * told, told, then what follows from it, and the spawn's intent last.
 */
export const followDaemon = (id: string, daemon: Daemon, ports: FollowPorts): Subscription =>
  daemon.events$.subscribe({
    next: (event) => {
      // Which ids meet an `after` (a ready daemon, a one-shot completed with exit code 0), and which have a process the OS counts.
      if (event.type === 'started' || event.type === 'spawn-failed' || isTerminal(event)) ports.room.counted(id);
      ports.dependencies.see(id, event, ports.roster.serviceOf(id)?.oneshot === true);
      // M8: the record first, before anything else is done with the process.
      ports.recorder.see(id, event, () => daemon.snapshot());
      // A task done is recorded before it is told: a manager killed at its `completed` never runs it again.
      if (event.type === 'completed' && ports.dependencies.meets(id)) recordCompletion(id, daemon, event.at, ports);
      ports.emit(event);
      // What waited for it, once its readiness (or its end) is told.
      if (event.type === 'ready') ports.review(id);
      if (isTerminal(event)) ended(id, event, daemon, ports);
      // M8: the intent last of all, after every handler of the event, so that only the spawn's own steps lie between it and the fork.
      if (event.type === 'spawning') ports.recorder.intend(id, daemon.command);
    },
    // A daemon errs only on a bug (a restart policy that throws, say): the manager's stream carries it.
    error: (error: unknown) => {
      ports.fail(error);
    },
  });
