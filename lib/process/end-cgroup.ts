import { isLeft } from 'fp-ts/lib/Either.js';
import { catchError, defaultIfEmpty, defer, filter, map, type Observable, of, type SchedulerLike, take, timeout } from 'rxjs';
import type { FileProblem } from '../fs/file-problem.js';
import type { Cgroups } from './cgroups.js';

/**
 * How long the end of a cgroup (and of a process group's leftovers) waits
 * for what it SIGKILLed to be gone: orphans nobody reaps (a supervisor that
 * is PID 1) stay zombies forever, and a process in uninterruptible sleep
 * (D state, a hung NFS mount) outlives a SIGKILL for a while, while a stop,
 * a restore or a shutdown must still end.
 */
export const LEFTOVERS_WAIT_MS = 1_000;

/**
 * How {@link endCgroup$} went: `empty`, the cgroup holds no process;
 * `not-killed`, cgroup.kill was refused (`problem` says why) and nothing
 * was waited for; `outlived`, a process still ran {@link LEFTOVERS_WAIT_MS}
 * after the kill; `unwatched`, killed, but its cgroup.events cannot be
 * watched (past fs.inotify.max_user_watches), so its end was not waited for.
 */
export type CgroupEnd =
  | { readonly kind: 'empty' }
  | { readonly kind: 'not-killed'; readonly problem: FileProblem }
  | { readonly kind: 'outlived' }
  | { readonly kind: 'unwatched'; readonly error: unknown };

const EMPTY_END: CgroupEnd = { kind: 'empty' };
const OUTLIVED: CgroupEnd = { kind: 'outlived' };

/**
 * Ends every process of cgroup `dir` and below, setsid escapees included
 * (cgroup.kill, or a signal to each where the kernel has none), and waits
 * until cgroup.events says it holds none, for at most
 * {@link LEFTOVERS_WAIT_MS} on `scheduler`. Emits one {@link CgroupEnd},
 * then completes; it never errors. What a daemon's run does with the rest
 * of its cgroup after its leader's exit, and a manager with a cgroup of its
 * scope that no live record accounts for.
 *
 * @example
 * endCgroup$(systemCgroups, '/sys/fs/cgroup/rxd.service/rxd-a1b2c3/web', asyncScheduler)
 *   .subscribe((end) => console.log(end.kind)); // 'empty', some ms later
 */
export const endCgroup$ = (cgroups: Cgroups, dir: string, scheduler: SchedulerLike): Observable<CgroupEnd> =>
  defer(() => {
    const killed = cgroups.kill(dir);
    if (isLeft(killed)) return of<CgroupEnd>({ kind: 'not-killed', problem: killed.left });
    // Watched after the kill: its first value is read then, so an end meanwhile is not missed.
    return cgroups.populated$(dir).pipe(
      filter((populated) => !populated),
      take(1),
      // A cgroup gone (removed meanwhile) holds nothing.
      defaultIfEmpty(true),
      map(() => EMPTY_END),
      timeout({ first: LEFTOVERS_WAIT_MS, scheduler, with: () => of(OUTLIVED) }),
      catchError((error: unknown) => of<CgroupEnd>({ kind: 'unwatched', error })),
    );
  });
