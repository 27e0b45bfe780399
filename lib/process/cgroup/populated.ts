import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { Observable } from 'rxjs';
import { errnoOf } from '../../errno.js';
import { problem, thrown } from '../../fs/problem.js';
import { isGone } from './contents.js';
import { flatKeyed } from './flat-keyed.js';

/** What a cgroup.events says of `populated`, or `gone` when the cgroup is not there (it holds nothing). */
const lookAt = (events: string): boolean | 'gone' => {
  let text: string;
  try {
    text = readFileSync(events, 'latin1');
  } catch (error) {
    if (isGone(error)) return 'gone';
    throw error;
  }
  return flatKeyed(text).get('populated') === 1;
};

/**
 * Whether cgroup `dir` holds a process now, from one read of its
 * cgroup.events, with no watch: what a run's end asks first, since a
 * leader that leaves nothing behind is the common case (a restart cycle
 * then costs one read, not a watch set up and torn down). The kernel
 * takes an exiting process out of its cgroup before its parent can reap
 * it, so once its exit is seen, this says whether anything else is left.
 * A cgroup that is not there holds nothing; one that cannot be read is
 * taken to hold something, so that the caller watches and kills it.
 */
export const isPopulated = (dir: string): boolean => {
  try {
    return lookAt(join(dir, 'cgroup.events')) === true;
  } catch {
    return true;
  }
};

/**
 * Whether cgroup `dir` holds any process (its own or a descendant
 * cgroup's), as its `cgroup.events` says: the current value at once, then
 * each change, told by inotify (fs.watch), with no poll: about as soon as
 * node's own exit event of a child (bench P9). The kernel notifies a
 * cgroup's file at most once per 10 ms (CGROUP_FILE_NOTIFY_MIN_INTV), so a
 * change within 10 ms of the previous one (a process that dies just after
 * it joined) is told up to 10 ms late. A cgroup that is not there holds
 * nothing: `false`, then it completes. Its removal later (possible only
 * once it is empty, so after `false`) is not told: kernfs removes the file
 * without an inotify event. It errors (with a `code`) when the file cannot
 * be read or watched for another reason (ENOSPC: past
 * fs.inotify.max_user_watches, one watch per subscription). The watch is
 * set before the first read, so a change between the two is never missed.
 *
 * @example
 * populated$('/sys/fs/cgroup/rxd.service/rxd-a1b2c3/web').pipe(first((populated) => !populated)); // the service's last process ended
 */
export const populated$ = (dir: string): Observable<boolean> =>
  new Observable<boolean>((subscriber) => {
    const events = join(dir, 'cgroup.events');
    const fail = (verb: string, error: unknown): void => {
      subscriber.error(thrown(problem(verb, events, error)));
    };
    let last: boolean | undefined;
    const look = (): void => {
      if (subscriber.closed) return;
      let now: boolean | 'gone';
      try {
        now = lookAt(events);
      } catch (error) {
        fail('read', error);
        return;
      }
      const populated = now === true;
      if (populated !== last) subscriber.next(populated);
      last = populated;
      if (now === 'gone') subscriber.complete();
    };
    let watcher: FSWatcher;
    try {
      // Each inotify event is a change of the file: what changed is read from it.
      watcher = watch(events, look);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') look();
      else fail('watch', error);
      return;
    }
    subscriber.add(() => {
      watcher.close();
    });
    watcher.on('error', (error) => {
      fail('watch', error);
    });
    look();
  });
