import type { InvalidEntryEvent, Unstamped } from './events.js';
import { planReconcile, withRestoredStops, type ReconcilePlan } from './plan-reconcile.js';
import type { Service } from './service.js';

/** An entry of a desired set that cannot be run (a bad id, command or option, an `after` that cannot be met), and why. */
export interface Rejected {
  readonly id: string;
  readonly code?: InvalidEntryEvent['code'];
  readonly message: string;
  /** A valid definition refused (its limits, its cgroup) is of a one-shot: what starts after it waits for it to complete, not to be ready. */
  readonly oneshot?: true;
}

/** What a reconcile is decided from: the new set, what the fleet runs and keeps, and the control it is under. */
export interface WantedInput {
  readonly valid: ReadonlyMap<string, Service>;
  readonly rejected: readonly Rejected[];
  /** The last desired set, as the fleet kept it. */
  readonly last: ReadonlyMap<string, Service>;
  /** What each daemon runs, as the desired set said it. */
  readonly running: ReadonlyMap<string, Service>;
  /** Ids never to be started, and why (see {@link ControlState}). */
  readonly held: ReadonlyMap<string, string>;
  readonly stoppedOnRequest: ReadonlySet<string>;
  /** After a restore: the ids whose recorded process it is stopping. */
  readonly stoppingAtRestore: ReadonlySet<string>;
  /** Whether `id` is a one-shot an earlier manager saw complete. */
  readonly completedBefore: (id: string) => boolean;
}

/** What a reconcile starts, stops and keeps (see {@link wantedOf}). */
export interface Wanted {
  /** The desired set kept from now on: the valid entries, and for a rejected id the last set had, what it had. */
  readonly wanted: ReadonlyMap<string, Service>;
  /** The `invalid-entry` events to say: each rejected entry, and each held id the set desires. */
  readonly invalid: readonly Unstamped<InvalidEntryEvent>[];
  /** Ids stopped on request that left the desired set: their hold is forgotten. */
  readonly forgotten: readonly string[];
  /** What may run: the wanted set but what is held or stopped on request. */
  readonly desired: ReadonlyMap<string, Service>;
  readonly plan: ReconcilePlan;
  /** One-shots not run again: kept as they are, completed. */
  readonly done: readonly string[];
  /** The ids to start, before room is admitted. */
  readonly toStart: readonly string[];
}

/**
 * M1: what a reconcile starts, stops and keeps. A mistake in a new set
 * never stops, replaces or releases what the last one had: a rejected id
 * the last set desired keeps what that set said for it. Pure: it decides,
 * the fleet acts.
 */
export const wantedOf = (input: WantedInput): Wanted => {
  const { valid, rejected, last, held, stoppedOnRequest, completedBefore } = input;
  const wanted = new Map(valid);
  const invalid: Unstamped<InvalidEntryEvent>[] = rejected.map(({ id, code, message }) => {
    const kept = last.get(id);
    if (kept !== undefined) wanted.set(id, kept);
    return { type: 'invalid-entry', id, ...(code === undefined ? {} : { code }), message: kept === undefined ? message : `${message}; kept as the last set had it` };
  });
  const forgotten = [...stoppedOnRequest].filter((id) => !wanted.has(id));
  const desired = new Map([...wanted].filter(([id]) => !held.has(id) && !stoppedOnRequest.has(id)));
  for (const [id, why] of held) {
    if (wanted.has(id)) invalid.push({ type: 'invalid-entry', id, message: `not started: ${why}` });
  }
  const plan = withRestoredStops(planReconcile(input.running, desired), input.stoppingAtRestore);
  // A one-shot an earlier manager saw complete is kept as it is: it is not run again.
  const done = plan.start.filter(completedBefore);
  const toStart = done.length === 0 ? plan.start : plan.start.filter((id) => !completedBefore(id));
  return { wanted, invalid, forgotten, desired, plan, done, toStart };
};
