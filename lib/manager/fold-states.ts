import { completedBefore, idleBecause, initialState, isEnded, nextState, type DaemonState } from '../daemon/state.js';
import { isTerminal } from '../events.js';
import { isFleetEvent, type ManagerEvent, type ReconcileEvent } from './events.js';
import { heldCause } from './room.js';

/**
 * The states of a manager's daemons, by id, as its events fold them. The
 * daemons of one id follow one another in one state (a replaced, revived
 * or restarted-by-request daemon goes on where the last one ended), so
 * `restarts` counts every spawn after the id's first and is never reset.
 * An id not spawned yet says why: waiting for its `after`, or held by a
 * limit of the OS. A daemon the reconcile stopped because it is no longer
 * desired leaves the map once stopped. Kept in place: an event costs one
 * entry, not a copy of every daemon's state (copies made per event made
 * 10,000 daemons quadratic).
 */
export class DaemonStates {
  readonly #states = new Map<string, DaemonState>();
  /** Ids the reconcile stopped, which leave the map at their daemon's terminal event. */
  readonly #leaving = new Set<string>();

  /** Folds in one event; whether any state changed. */
  see(event: ManagerEvent): boolean {
    switch (event.type) {
      case 'reconcile':
        return this.#reconcile(event);
      case 'waiting':
        this.#states.set(event.id, { ...this.#idle(event.id, event.cause), waitingFor: event.for });
        return true;
      case 'already-completed':
        this.#states.set(event.id, completedBefore(this.#states.get(event.id) ?? initialState, event.completedAt));
        return true;
      case 'dependency-failed': {
        // It waits on, for the same services: only the cause says more.
        const waitingFor = this.#states.get(event.id)?.waitingFor;
        this.#states.set(event.id, { ...this.#idle(event.id, event.cause), ...(waitingFor === undefined ? {} : { waitingFor }) });
        return true;
      }
      case 'limit-reached':
        for (const id of event.held) this.#states.set(id, this.#idle(id, heldCause(event)));
        return event.held.length > 0;
      default:
        break;
    }
    if (isFleetEvent(event)) return false;
    this.#states.set(event.id, nextState(this.#states.get(event.id) ?? initialState, event));
    if (isTerminal(event) && this.#leaving.delete(event.id)) this.#states.delete(event.id);
    return true;
  }

  /** `id` not under way, and why; what its daemons did before is kept. */
  #idle(id: string, cause: string): DaemonState {
    return idleBecause(this.#states.get(id) ?? initialState, cause);
  }

  /**
   * A stopped id whose daemon has ended already has no terminal event to
   * come: it leaves now. Any other leaves at its terminal event, also one
   * with no state yet (its daemon's first event may be still to come). A
   * started id that is still leaving (re-added while its old daemon stops)
   * stays: the old daemon's end is then only the end of a run, and the new
   * daemon's events follow.
   */
  #reconcile({ started, stopped }: ReconcileEvent): boolean {
    for (const id of started) this.#leaving.delete(id);
    let changed = false;
    for (const id of stopped) {
      const state = this.#states.get(id);
      if (state !== undefined && isEnded(state)) changed = this.#states.delete(id);
      else this.#leaving.add(id);
    }
    return changed;
  }

  get(id: string): DaemonState | undefined {
    return this.#states.get(id);
  }

  ids(): IterableIterator<string> {
    return this.#states.keys();
  }

  /** A copy, for whoever keeps it. */
  copy(): ReadonlyMap<string, DaemonState> {
    return new Map(this.#states);
  }
}
