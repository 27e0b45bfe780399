import { concat, defer, type Observable } from 'rxjs';
import type { DaemonEvent } from '../events.js';
import type { DaemonContext } from './context.js';
import type { Running } from './running.js';
import { supervising$, untilExit$ } from './watch.js';

/**
 * The first run of a restored daemon: `adopted`, then polls until the
 * process is gone (`exited`, adopted). The attempt counter starts at 0, so
 * its replacement is spawned as attempt 1, under the usual policy.
 */
export const adoptedRun$ = (ctx: DaemonContext, adopted: Running): Observable<DaemonEvent> =>
  defer(() => concat(supervising$(ctx, adopted, ctx.event('adopted', { pid: adopted.pid })), untilExit$(ctx, adopted)));
