import { ReplaySubject, type Observable, type SchedulerLike } from 'rxjs';
import type { DaemonState } from '../daemon/state.js';
import type { ManagerEvent } from './events.js';
import { DaemonStates } from './fold-states.js';

/**
 * The states `Manager.states$` shows: the one fold of the manager's events
 * (the status board of control.sock folds it when it serves, see
 * `manageFolding`), and a copy of it sent once per burst of events, on the
 * scheduler right after it, not once per event: a reconcile of 10,000
 * daemons is one copy rather than 10,000. The latest copy is replayed.
 */
export class StatesFeed extends DaemonStates {
  readonly #copies = new ReplaySubject<ReadonlyMap<string, DaemonState>>(1);
  /** Whether the fold changed since the last copy was sent. */
  #unsent = false;
  /** A copy of the states after each burst of events that changed them; the latest is replayed, also after the end. */
  readonly states$: Observable<ReadonlyMap<string, DaemonState>> = this.#copies.asObservable();

  constructor(private readonly scheduler: SchedulerLike) {
    super();
    this.#copies.next(new Map());
  }

  /** Folds in one event (see {@link DaemonStates.see}); a change sends a copy once the burst is over. */
  override see(event: ManagerEvent): boolean {
    const changed = super.see(event);
    if (changed && !this.#unsent) {
      this.#unsent = true;
      this.scheduler.schedule(() => {
        this.send();
      });
    }
    return changed;
  }

  /** Sends a copy now if the states changed since the last one: what a request says is done, `states$` shows by then. */
  send(): void {
    if (!this.#unsent) return;
    this.#unsent = false;
    this.#copies.next(this.copy());
  }

  /** The manager ended: the latest copy stays replayed. */
  complete(): void {
    this.#copies.complete();
  }

  /** The manager erred (a bug). */
  error(error: unknown): void {
    this.#copies.error(error);
  }
}
