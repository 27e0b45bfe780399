import { initialState, nextState, type DaemonState } from '../daemon/state.js';
import { isTerminal } from '../events.js';
import { isFleetEvent, type ManagerEvent } from './events.js';

/** Whether a daemon's state is one of the four after which it starts over. */
export const isTerminalStatus = ({ status }: DaemonState): boolean => status === 'stopped' || status === 'closed' || status === 'completed' || status === 'gave-up';

/**
 * The states of a manager's daemons, by id, as its events fold them. A
 * daemon's state starts over after a terminal event (a replaced or
 * restarted-by-request daemon is a new one); a daemon the reconcile
 * stopped because it is no longer desired leaves the map once stopped.
 * `leaving` is the fold's own memory of those: pass the same set each time.
 */
export const foldStates = (states: ReadonlyMap<string, DaemonState>, leaving: Set<string>, event: ManagerEvent): ReadonlyMap<string, DaemonState> => {
  if (event.type === 'reconcile') {
    for (const id of event.stopped) leaving.add(id);
    return states;
  }
  if (event.type === 'waiting') return new Map(states).set(event.id, { ...initialState, waitingFor: event.for });
  if (isFleetEvent(event)) return states;
  const next = new Map(states);
  const before = states.get(event.id);
  next.set(event.id, nextState(before === undefined || isTerminalStatus(before) ? initialState : before, event));
  if (isTerminal(event) && leaving.delete(event.id)) next.delete(event.id);
  return next;
};
