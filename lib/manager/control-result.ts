import { left, right, type Either } from 'fp-ts/lib/Either.js';
import type { ControlError, ControlOutcome } from './control-outcome.js';
import { isManagerTerminal, type ControlRequest, type ManagerEvent } from './events.js';

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
