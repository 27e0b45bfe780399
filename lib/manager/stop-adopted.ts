import { AsyncSubject, defer, NEVER, type Observable } from 'rxjs';
import type { Adoptee } from '../snapshot/adoptee.js';
import { lifecycle$ } from '../daemon/lifecycle.js';
import { askEnd, type Ending } from '../daemon/requests.js';
import type { DaemonEvent } from '../events.js';
import type { ResolvedOptions } from '../options.js';

/**
 * Stops a live process that is not to be kept (a record no longer desired,
 * a stray), without ever respawning it: the events of its adoption and
 * stop, through `stopped`. Its command is never run: this supervision only
 * stops what it adopts.
 */
export const stopAdopted$ = (id: string, adoptee: Adoptee, options: ResolvedOptions): Observable<DaemonEvent> =>
  defer(() => {
    const ending = new AsyncSubject<Ending>();
    askEnd(ending, 'stop');
    return lifecycle$({ command: 'adopted', id }, options, { ending, restart$: NEVER }, adoptee);
  });

/** What stopping an adopted process tells its fleet (see {@link stopAdoptedNow}). */
export interface AdoptedStopPorts {
  /** Each event of its adoption and stop. */
  readonly emit: (event: DaemonEvent) => void;
  /** It exited: its record may go. */
  readonly exited: () => void;
  /** It is gone: its room is free. */
  readonly gone: () => void;
}

/**
 * Starts stopping an adopted process now (see {@link stopAdopted$}); it
 * stays recorded until it is gone. Returns what completes once it is gone
 * (errs only on a bug), replayed to whoever waits for it later.
 */
export const stopAdoptedNow = (id: string, adoptee: Adoptee, options: ResolvedOptions, ports: AdoptedStopPorts): Observable<never> => {
  const gone$ = new AsyncSubject<never>();
  stopAdopted$(id, adoptee, options).subscribe({
    next: (event) => {
      ports.emit(event);
      if (event.type === 'exited') ports.exited();
    },
    error: (error: unknown) => {
      gone$.error(error);
    },
    complete: () => {
      gone$.complete();
      ports.gone();
    },
  });
  return gone$;
};
