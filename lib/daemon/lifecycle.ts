import type { Observable } from 'rxjs';
import type { Command } from '../command.js';
import type { DaemonEvent } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import type { Adoptee } from '../snapshot/adoptee.js';
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
 * 1. Spawn or adopt (spawn-or-adopt.ts): the command spawned, or the live
 *    process a record names adopted.
 * 2. Watch (watch.ts): its exit, the ending or restart its owner asks for,
 *    its ready and health checks, until one of them decides how the run ends.
 * 3. Stop, as that end calls for: its exit reported (exited.ts); a graceful
 *    stop for a stop, a restart or a failed check (graceful-stop.ts); a
 *    release on close (release.ts).
 * 4. Decide (decide.ts), from how the run ended: the next spawn, or the end.
 * 5. Restart from 1, at once or after the policy's backoff (restart-loop.ts),
 *    or end: the terminal event, once the pid file is gone (end.ts).
 *
 * The output files are rotated alongside for as long as the life lasts.
 * It is for owners that never leave it (the `Daemon` facade, the manager):
 * `supervise()` adds the rule that leaving is a stop.
 */
export const lifecycle$ = (command: Command, options: ResolvedOptions, requests: Requests, adoptee?: Adoptee): Observable<DaemonEvent> => {
  const context = daemonContext(command, options, requests);
  const first: RunStart = adoptee === undefined ? { attempt: 1 } : { adoptee };
  return withRotation$(restartLoop$(context, first, run$), context);
};

/** One run, steps 1 to 3, ending with its `RunEnd`, which the restart loop decides from. */
const run$ = (context: DaemonContext, start: RunStart): Observable<RunItem> => spawnOrAdopt$(context, start, watched$);

/** Step 2, once the run's process is known. */
const watched$ = (context: DaemonContext, run: Run): Observable<RunItem> => watch$(context, run, endRun$);

/** Step 3: the run ended as the watch decided. */
const endRun$ = (context: DaemonContext, run: Run, outcome: Outcome, ready: boolean): Observable<RunItem> => {
  switch (outcome.kind) {
    case 'exit':
      return exited$(context, run, outcome.status, ready);
    case 'close':
      return release$(context, run, ready);
    default:
      return gracefulStop$(context, run, outcome.kind, ready);
  }
};
