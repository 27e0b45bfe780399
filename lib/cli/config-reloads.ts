import { unwatchFile, watch, watchFile } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fromEvent, map, merge, Observable } from 'rxjs';
import type { Reload } from './config-updates.js';

// The names in the config's directory whose events may mean a new config:
// its own (an editor's rename-save ends with a rename onto it), and `..data`,
// the symlink a Kubernetes ConfigMap swaps by a rename (the config's own
// symlink goes through it, so no event names the config). Any other name is
// a neighbour's: a service writing its file there every 25 ms must not hold
// the reload back, nor cost a read each time.
const configNames = (path: string): ReadonlySet<string> => new Set([basename(path), '..data']);

// The events of the config's directory that name the config (see
// configNames); one that names nothing (a platform that cannot say) may be
// it too. The directory, not the file: a rename-save or a swap replaces
// the file a watch of its own would follow.
const directoryEvents$ = (path: string): Observable<Reload> =>
  new Observable<Reload>((subscriber) => {
    const names = configNames(path);
    let watcher: ReturnType<typeof watch>;
    try {
      watcher = watch(dirname(path), (_, name) => {
        if (name === null || names.has(name)) subscriber.next('change');
      });
    } catch {
      // No directory to watch (yet): the stat poll sees what comes.
      return undefined;
    }
    // The directory went away: the same.
    watcher.on('error', () => {
      watcher.close();
    });
    return () => {
      watcher.close();
    };
  });

// The fallback where no event comes (a network file system, a directory
// replaced whole): what the path leads to, through its symlinks, is
// stat()ed every `pollMs`.
const statChanges$ = (path: string, pollMs: number): Observable<Reload> =>
  new Observable<Reload>((subscriber) => {
    const listener = (): void => {
      subscriber.next('change');
    };
    watchFile(path, { interval: pollMs }, listener);
    return () => {
      unwatchFile(path, listener);
    };
  });

/**
 * Every sign that the config at `path` may have changed, and every SIGHUP:
 * events of its directory that name it (or `..data`, a ConfigMap's), a
 * polled stat of the file (every `pollMs`), and the signal. Never completes; unsubscribing closes the watchers and lets
 * SIGHUP go.
 *
 * @example
 * configUpdates(configReader(path), initial, configReloads$(path)).subscribe(apply);
 */
export const configReloads$ = (path: string, pollMs = 1_000): Observable<Reload> =>
  merge(directoryEvents$(path), statChanges$(path, pollMs), fromEvent(process, 'SIGHUP').pipe(map((): Reload => 'hup')));
