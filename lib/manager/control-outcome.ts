import { left, right, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { isManagerTerminal, type ControlRequest, type ManagerEvent } from './events.js';

/** M9: what a control request did (`started`, `restarted`, `stopped`), or found done already (`already-running`, `already-stopped`); control.sock's answers carry it. */
export const ControlOutcome = t.keyof({ started: null, restarted: null, stopped: null, 'already-running': null, 'already-stopped': null });
export type ControlOutcome = t.TypeOf<typeof ControlOutcome>;

/**
 * M9: why a control request came to nothing, in a message a user can act
 * on: `EREFUSED` (not desired, stopped on request, held …), `ESPAWN` (its
 * new process failed to spawn; the daemon goes on as its policy says),
 * `EENDED` (the manager ended first).
 */
export interface ControlError {
  readonly code: 'EREFUSED' | 'ESPAWN' | 'EENDED';
  readonly message: string;
}

/**
 * M9: whether an event settles a control request sent just before it: the
 * request's own `control-done` or `control-refused`, or the manager's end.
 *
 * @example
 * const settled = firstValueFrom(events$.pipe(filter(settles(request))));
 */
export const settles =
  (request: ControlRequest) =>
  (event: ManagerEvent): boolean =>
    isManagerTerminal(event) || ((event.type === 'control-done' || event.type === 'control-refused') && event.id === request.id && event.request === request.type);

/**
 * M9: what a request came to, from the event that settled it (see
 * {@link settles}; none when the manager's stream ended first).
 *
 * @example
 * resultOf({ type: 'start', id: 'web' }, { type: 'control-done', at: 0, id: 'web', request: 'start', outcome: 'already-running' }); // right('already-running')
 */
export const resultOf = (request: ControlRequest, event: ManagerEvent | undefined): Either<ControlError, ControlOutcome> => {
  if (event?.type === 'control-done') return right(event.outcome);
  if (event?.type === 'control-refused') return left({ code: event.code, message: `cannot ${request.type} ${request.id}: ${event.message}` });
  return left({ code: 'EENDED', message: `the manager ended before ${request.id} could ${request.type}` });
};
