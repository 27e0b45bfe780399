import type { Observable } from 'rxjs';
import type { Command } from '../command.js';
import type { DaemonEvent } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import type { Adoptee } from './adoptee.js';
import { daemonContext, type DaemonContext } from './context.js';
import { exited$ } from './exited.js';
import { gracefulStop$ } from './graceful-stop.js';
import { release$ } from './release.js';
import type { Requests } from './requests.js';
import { restartLoop$ } from './restart-loop.js';
import { withRotation$ } from './rotation.js';
import type { Run, RunItem } from './run.js';
import { spawnOrAdopt$, type RunStart } from './spawn-or-adopt.js';
import { watch$, type Outcome } from './watch.js';

/**
 * The life of one daemon, top to bottom, for a command and options already
 * checked. Each step is a file of this folder:
 *
 * 1. spawn the command, or adopt the live process a record names;  spawn-or-adopt.ts
 * 2. watch it: its exit, the ending or restart its owner asks for,  watch.ts
 *    its ready and health checks, until one decides how the run ends;
 * 3. stop it as that end calls for: its exit reported, a graceful  exited.ts, graceful-stop.ts,
 *    stop (asked, a restart, a failed check), or a release (close); release.ts
 * 4. decide, from how the run ended, what follows;                  decide.ts
 * 5. restart (at once, or after the policy's backoff) from step 1,  restart-loop.ts
 *    or end: the terminal event, once the pid file is gone.         end.ts
 *
 * The output files are rotated alongside for as long as the life lasts.
 * It is for owners that never leave it (the `Daemon` facade, the manager):
 * {@link supervise} adds the rule that leaving is a stop.
 */
export const lifecycle$ = (command: Command, options: ResolvedOptions, requests: Requests, adoptee?: Adoptee): Observable<DaemonEvent> => {
  const context = daemonContext(command, options, requests);
  const first: RunStart = adoptee === undefined ? { attempt: 1 } : { adoptee };
  return withRotation$(restartLoop$(context, first, run$), context);
};

/** One run (steps 1 to 3), ending with its `RunEnd`, which the restart loop decides from. */
const run$ = (context: DaemonContext, start: RunStart): Observable<RunItem> => spawnOrAdopt$(context, start, watched$);

const watched$ = (context: DaemonContext, run: Run): Observable<RunItem> => watch$(context, run, stopped$);

const stopped$ = (context: DaemonContext, run: Run, outcome: Outcome, ready: boolean): Observable<RunItem> => {
  switch (outcome.kind) {
    case 'exit':
      return exited$(context, run, outcome.status, ready);
    case 'close':
      return release$(context, run, ready);
    default:
      return gracefulStop$(context, run, outcome.kind, ready);
  }
};
