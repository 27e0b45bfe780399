import { concat, defer, type Observable } from 'rxjs';
import type { DaemonEvent } from '../events.js';
import type { DaemonContext } from './context.js';
import { adoptedProcess, type Adoptee } from './running.js';
import { supervising$, untilExit$ } from './watch.js';

/**
 * The first run of a restored daemon: `adopted`, then polls until the
 * process is gone (`exited`, adopted). The attempt counter starts at 0, so
 * its replacement is spawned as attempt 1, under the usual policy.
 */
export const adoptedRun$ = (ctx: DaemonContext, adoptee: Adoptee): Observable<DaemonEvent> =>
  defer(() => {
    const { driver, scheduler } = ctx.options;
    const running = adoptedProcess(adoptee, driver, scheduler);
    return concat(supervising$(ctx, running, ctx.event('adopted', { pid: adoptee.pid })), untilExit$(ctx, running));
  });
