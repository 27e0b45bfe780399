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
