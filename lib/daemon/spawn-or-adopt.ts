import { concat, defer, Observable, of } from 'rxjs';
import { subscribeInner } from '../inner-subscriber.js';
import type { OutputOffsets, OutputStart, SpawnFailure } from '../process/processes.js';
import type { Adoptee } from '../snapshot/adoptee.js';
import type { DaemonContext } from './context.js';
import { adoptedProcess, spawnedProcess, type LiveProcess } from './live-process.js';
import { RunEnd, type Run, type RunItem } from './run.js';

/** How a run begins: a spawn, as attempt `attempt`, or (a restored daemon's first run) the adoption of a live process. */
export type RunStart = { readonly attempt: number } | { readonly adoptee: Adoptee };

/** What follows once a run's process is known: the rest of the run, ending with its {@link RunEnd}. */
export type Follow = (context: DaemonContext, run: Run) => Observable<RunItem>;

/**
 * The first step of a run: its process spawned (`spawning`, then `started`
 * and the pid file, or `spawn-failed`) or adopted (`adopted`), then handed
 * to `follow` for the rest of the run.
 */
export const spawnOrAdopt$ = (context: DaemonContext, start: RunStart, follow: Follow): Observable<RunItem> =>
  'adoptee' in start ? adopt$(context, start.adoptee, follow) : spawn$(context, start.attempt, follow);

/**
 * A process this supervisor starts: `spawning`, then `started`, the pid
 * file, and `follow`; or `spawn-failed` (R3: an attempt like any other),
 * which ends the run. Written out by hand, as the watch is: a run lasts as
 * long as its process. Unsubscribed at `spawning`, it spawns nothing; at
 * `started`, it neither writes the pid file nor follows the process.
 */
const spawn$ = (context: DaemonContext, attempt: number, follow: Follow): Observable<RunItem> =>
  new Observable<RunItem>((subscriber) => {
    const { driver, scheduler } = context.options;
    subscriber.next(context.event('spawning', { attempt }));
    if (subscriber.closed) return;
    // Attached to the subscriber while the spawn is under way, and let go once it is done: it holds nothing worth a daemon's lifetime.
    subscribeInner(subscriber, driver.processes.spawn(context.spec), {
      next: (handle) => {
        const process = spawnedProcess(handle, context.spec.cgroup);
        const outputStart = offsetsOf(process.outputStart);
        subscriber.next(context.event('started', { pid: process.pid, attempt, ...(outputStart === undefined ? {} : { outputStart }), ...cgroupOf(process) }));
        if (subscriber.closed) return;
        const now = scheduler.now();
        const run: Run = { process, attempt, startedAt: now, followedAt: now, ...oomKillsOf(context, process) };
        // S2: the pid file follows every spawn, after `started` so its error can never come first; then the process is followed.
        subscribeInner(subscriber, context.pidFile.write$(process.pid), {
          complete: () => {
            follow(context, run).subscribe(subscriber);
          },
        });
      },
      error: (error) => {
        const { code, message } = error as SpawnFailure;
        subscriber.next(context.event('spawn-failed', { attempt, error: { code, message } }));
        subscriber.next(new RunEnd(attempt, { kind: 'spawn-failed', error: { code, message } }, 0, undefined, false));
        subscriber.complete();
      },
    });
  });

const cgroupOf = ({ cgroup }: LiveProcess): { readonly cgroup?: string } => (cgroup === undefined ? {} : { cgroup });

/** The OOM kills its cgroup had counted when a run began (memory.events, where the memory controller is enabled): a count that rose by its end says the OOM killer ended it. */
const oomKillsOf = (context: DaemonContext, { cgroup }: LiveProcess): Pick<Run, 'oomKills'> => {
  const kills = cgroup === undefined ? undefined : context.options.driver.cgroups.oomKills(cgroup);
  return kills === undefined ? {} : { oomKills: kills };
};

/** The byte offsets of an output start, which a record keeps (rotation counts are this supervisor's own). */
const offsetsOf = (start: OutputStart | undefined): OutputOffsets | undefined => {
  if (start?.stdout === undefined && start?.stderr === undefined) return undefined;
  return { ...(start.stdout === undefined ? {} : { stdout: start.stdout }), ...(start.stderr === undefined ? {} : { stderr: start.stderr }) };
};

/**
 * A live process this supervisor did not start: `adopted`, then `follow`.
 * Its attempt carries on from its record (0 when unknown: its replacement
 * is then attempt 1), and it started when the process did, by the start
 * time /proc gives (its adoption where the OS does not tell), so its
 * `runMs`, its `since` and R2's stable time count from there.
 */
const adopt$ = (context: DaemonContext, adoptee: Adoptee, follow: Follow): Observable<RunItem> =>
  defer(() => {
    const { driver, scheduler } = context.options;
    const process = adoptedProcess(adoptee, context.options);
    const attempt = adoptee.attempt ?? 0;
    const followedAt = scheduler.now();
    const startedAt = driver.system.startedAt(adoptee, followedAt) ?? followedAt;
    return concat(
      of(context.event('adopted', { pid: process.pid, attempt, startedAt, ...cgroupOf(process) })),
      follow(context, { process, attempt, startedAt, followedAt, ...oomKillsOf(context, process) }),
    );
  });
