import { Observable, type SchedulerLike } from 'rxjs';
import { errorFields, isTerminal } from '../events.js';
import type { ControlOutcome } from './control-outcome.js';
import { planControl, type ControlFacts } from './control-plan.js';
import { isFleetEvent, type ControlDoneEvent, type ControlRefusedEvent, type ControlRequest, type ManagedDaemonEvent, type ManagerEvent, type Unstamped, type WaitingEvent } from './events.js';

/** What carrying out a request needs of the manager: its events, its clock, what it knows of an id, and the acts a plan calls for. */
export interface ControlPorts {
  readonly events$: Observable<ManagerEvent>;
  readonly scheduler: SchedulerLike;
  readonly factsOf: (id: string) => ControlFacts;
  /** Stops `id` on request (held down until a start); a daemon that ended is let go too. */
  readonly stop: (id: string) => void;
  /** Restarts the daemon of `id` gracefully; rejects with a refusal. */
  readonly restart: (id: string) => Promise<void> | undefined;
  /** Runs `id` again; returns why not now, when a limit holds it. */
  readonly runAgain: (id: string) => string | undefined;
}

/**
 * M9: carries out one request for one daemon (see {@link planControl}),
 * and emits what it came to, once, then completes: `control-done` with
 * what it did (`started`, `restarted`, `stopped`) or found
 * (`already-running`, `already-stopped`), or `control-refused` saying why
 * not. A restart is done at the new process's `started`, a stop once it
 * is stopped, a start at its `started` or once it waits for its `after`.
 * Unsubscribing stops following the request, not the request.
 */
export const carryOut$ = (request: ControlRequest, ports: ControlPorts): Observable<ControlDoneEvent | ControlRefusedEvent> => {
  const { type, id } = request;
  return new Observable<ControlDoneEvent | ControlRefusedEvent>((subscriber) => {
    const answer = (event: Unstamped<ControlDoneEvent | ControlRefusedEvent>): void => {
      if (subscriber.closed) return;
      subscriber.next({ ...event, at: ports.scheduler.now() });
      subscriber.complete();
    };
    const done = (outcome: ControlOutcome): void => {
      answer({ type: 'control-done', id, request: type, outcome });
    };
    const refuse = (message: string, code: ControlRefusedEvent['code'] = 'EREFUSED'): void => {
      answer({ type: 'control-refused', id, request: type, code, message });
    };
    // What settles it is an event of the daemon still to come: followed from before the act that brings it.
    const until = (settle: (event: ManagedDaemonEvent | WaitingEvent) => void): void => {
      subscriber.add(
        ports.events$.subscribe((event) => {
          if ((event.type === 'waiting' || !isFleetEvent(event)) && event.id === id) settle(event);
        }),
      );
    };
    // What runs it again is done at its start (or its wait for its `after`); it fails at a failed spawn, or an end before either.
    const runs = (outcome: ControlOutcome) => (event: ManagedDaemonEvent | WaitingEvent): void => {
      if (event.type === 'started' || event.type === 'waiting') done(outcome);
      else if (event.type === 'spawn-failed') refuse(`its new process failed to spawn: ${event.error.message}`, 'ESPAWN');
      else if (isTerminal(event)) refuse(`it ended (${event.type}) before its new process started`);
    };
    const plan = planControl(request, ports.factsOf(id));
    switch (plan.act) {
      case 'none':
        done(plan.outcome);
        return;
      case 'refuse':
        refuse(plan.message);
        return;
      case 'stop':
        if (plan.outcome === 'stopped')
          until((event) => {
            if (event.type !== 'waiting' && isTerminal(event)) done('stopped');
          });
        ports.stop(id);
        if (plan.outcome === 'already-stopped') done(plan.outcome);
        return;
      case 'restart':
        until(runs('restarted'));
        ports.restart(id)?.catch((error: unknown) => {
          refuse(errorFields(error).message);
        });
        return;
      case 'run-again': {
        until(runs(plan.outcome));
        const room = ports.runAgain(id);
        if (room !== undefined) refuse(room);
        return;
      }
    }
  });
};
