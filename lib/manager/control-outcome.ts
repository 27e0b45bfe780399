import * as t from 'io-ts';

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
