import { initialState, nextState, type DaemonState } from '../daemon/state.js';
import { isTerminal } from '../events.js';
import { isFleetEvent, type ManagerEvent, type ReconcileEvent } from './events.js';

/** Whether a daemon's state is one of the four after which it starts over. */
const isTerminalStatus = ({ status }: DaemonState): boolean => status === 'stopped' || status === 'closed' || status === 'completed' || status === 'gave-up';

/**
 * The states of a manager's daemons, by id, as its events fold them. A
 * daemon's state starts over after a terminal event (a replaced or
 * restarted-by-request daemon is a new one); a daemon the reconcile
 * stopped because it is no longer desired leaves the map once stopped.
 * Kept in place: an event costs one entry, not a copy of every daemon's
 * state (copies made per event made 10,000 daemons quadratic).
 */
export class DaemonStates {
  readonly #states = new Map<string, DaemonState>();
  /** Ids the reconcile stopped, which leave the map at their daemon's terminal event. */
  readonly #leaving = new Set<string>();

  /** Folds in one event; whether any state changed. */
  see(event: ManagerEvent): boolean {
    if (event.type === 'reconcile') return this.#reconcile(event);
    if (event.type === 'waiting') {
      this.#states.set(event.id, { ...initialState, waitingFor: event.for });
      return true;
    }
    if (isFleetEvent(event)) return false;
    const before = this.#states.get(event.id);
    this.#states.set(event.id, nextState(before === undefined || isTerminalStatus(before) ? initialState : before, event));
    if (isTerminal(event) && this.#leaving.delete(event.id)) this.#states.delete(event.id);
    return true;
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
      if (state !== undefined && isTerminalStatus(state)) changed = this.#states.delete(id);
      else this.#leaving.add(id);
    }
    return changed;
  }

  get(id: string): DaemonState | undefined {
    return this.#states.get(id);
  }

  /** Whether a daemon of `id` is under way (not ended, nor never begun). */
  runs(id: string): boolean {
    const state = this.#states.get(id);
    return state !== undefined && !isTerminalStatus(state);
  }

  ids(): IterableIterator<string> {
    return this.#states.keys();
  }

  /** A copy, for whoever keeps it. */
  copy(): ReadonlyMap<string, DaemonState> {
    return new Map(this.#states);
  }
}
