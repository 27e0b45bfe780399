import { STOPPED } from '../daemon/cause.js';
import type { ControlFacts } from './control-plan.js';
import type { Dependencies } from './dependencies.js';

/** What the fleet knows of an id beside its control state, for a request's facts (see {@link ControlState.factsOf}). */
export type FleetFacts = Omit<ControlFacts, 'held' | 'stoppedOnRequest'> & { readonly waiting?: string | undefined };

/**
 * What keeps an id from running other than the desired set: a hold (a
 * process recorded for it runs on, and can be neither adopted nor stopped:
 * another user's, or hidden by /proc; starting the id would run a second
 * copy) and a stop on request (M9, held down until started again).
 */
export class ControlState {
  readonly #held = new Map<string, string>();
  readonly #stoppedOnRequest = new Set<string>();

  /** Ids never to be started by this manager, and why. */
  get held(): ReadonlyMap<string, string> {
    return this.#held;
  }

  /** Ids stopped on request, held down until started again. */
  get stoppedOnRequest(): ReadonlySet<string> {
    return this.#stoppedOnRequest;
  }

  /** `id` is never to be started: `why`. */
  readonly hold = (id: string, why: string): void => {
    this.#held.set(id, why);
  };

  /** `id` was stopped on request: it is held down. */
  stop(id: string): void {
    this.#stoppedOnRequest.add(id);
  }

  /** `id` runs again (a start on request), or left the desired set: its stop on request is forgotten. */
  release(id: string): void {
    this.#stoppedOnRequest.delete(id);
  }

  /** `id`, stopped on request, meets nothing until it runs again: what waits for it is told so. */
  tellIfStopped(id: string, dependencies: Pick<Dependencies, 'endedUnmet'>): void {
    if (this.#stoppedOnRequest.has(id)) dependencies.endedUnmet(id, { how: 'stopped', cause: STOPPED });
  }

  /** What a request for `id` is planned from: the fleet's facts, with `id`'s hold and stop on request. */
  factsOf(id: string, fleet: FleetFacts): ControlFacts {
    const held = this.#held.get(id);
    const { waiting, ...rest } = fleet;
    return {
      ...rest,
      stoppedOnRequest: this.#stoppedOnRequest.has(id),
      ...(held === undefined ? {} : { held }),
      ...(waiting === undefined ? {} : { waiting }),
    };
  }
}
