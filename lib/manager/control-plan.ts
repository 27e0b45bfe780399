import type { ControlOutcome } from './control-outcome.js';
import type { ControlRequest } from './events.js';

/** What a manager knows of an id when a request for it comes. */
export interface ControlFacts {
  /** The desired set holds it. */
  readonly desired: boolean;
  /** A daemon of it is under way (not ended: it did not give up or complete). */
  readonly live: boolean;
  /** A daemon of it exists, under way or ended. */
  readonly daemon: boolean;
  /** Why it is never started: a process recorded for it runs on and cannot be supervised. */
  readonly held?: string;
  /** Why it is not spawned yet, when it waits for what it starts `after`. */
  readonly waiting?: string;
  /** It was stopped on request, and is held down. */
  readonly stoppedOnRequest: boolean;
  /** A limit of the OS holds it back. */
  readonly heldForRoom: boolean;
}

/**
 * What a request calls for: nothing but to say what is found; a refusal;
 * a stop (held down until a start; `stopped` once what runs is gone, or
 * `already-stopped` at once); a graceful restart of the daemon under way;
 * or a run again (after a stop, in place of a daemon that gave up or
 * completed, or of one held back by a limit).
 */
export type ControlPlan =
  | { readonly act: 'none'; readonly outcome: 'already-running' }
  | { readonly act: 'refuse'; readonly message: string }
  | { readonly act: 'stop'; readonly outcome: 'stopped' | 'already-stopped' }
  | { readonly act: 'restart' }
  | { readonly act: 'run-again'; readonly outcome: 'started' | 'restarted' };

/**
 * What is said wherever an id names no service: one wording, from the
 * library's refusals to the command line's.
 *
 * @example
 * notConfigured('wbe'); // 'no service "wbe" is configured'
 */
export const notConfigured = (id: string): string => `no service ${JSON.stringify(id)} is configured`;

/**
 * M9: what a request for one daemon calls for, from what the manager knows
 * of its id. `start` of one under way (a backoff and a wait for its `after`
 * included) is a no-op, as `stop` of one that is not; `start` and `restart`
 * revive one that gave up or completed; `restart` of one stopped on request
 * or not started yet is refused, as any request for an id not configured.
 *
 * @example
 * planControl({ type: 'start', id: 'web' }, { desired: true, live: true, daemon: true, stoppedOnRequest: false, heldForRoom: false }); // { act: 'none', outcome: 'already-running' }
 */
export const planControl = ({ type, id }: ControlRequest, facts: ControlFacts): ControlPlan => {
  if (!facts.desired && !facts.daemon) return { act: 'refuse', message: notConfigured(id) };
  if (type === 'stop') return { act: 'stop', outcome: facts.live || facts.waiting !== undefined || facts.heldForRoom ? 'stopped' : 'already-stopped' };
  if (facts.held !== undefined) return { act: 'refuse', message: `not started: ${facts.held}` };
  if (facts.waiting !== undefined) return type === 'start' ? { act: 'none', outcome: 'already-running' } : { act: 'refuse', message: `it has not started yet: ${facts.waiting}` };
  if (facts.live) return type === 'start' ? { act: 'none', outcome: 'already-running' } : { act: 'restart' };
  if (type === 'restart' && facts.stoppedOnRequest) return { act: 'refuse', message: 'it was stopped on request; start it first' };
  const outcome: Extract<ControlOutcome, 'started' | 'restarted'> = type === 'start' ? 'started' : 'restarted';
  return { act: 'run-again', outcome };
};
