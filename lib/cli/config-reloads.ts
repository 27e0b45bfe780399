import { unwatchFile, watch, watchFile } from 'node:fs';
import { dirname } from 'node:path';
import { fromEvent, map, merge, Observable } from 'rxjs';
import type { Reload } from './config-updates.js';

// Any event in the config's directory, whatever name it carries: an editor
// saves by writing a temp file and renaming it over the config, and a
// Kubernetes ConfigMap swaps `..data` (a symlink the config's own symlink
// goes through) by a rename, and neither event need name the config.
const directoryEvents$ = (path: string): Observable<Reload> =>
  new Observable<Reload>((subscriber) => {
    let watcher: ReturnType<typeof watch>;
    try {
      watcher = watch(dirname(path), () => {
        subscriber.next('change');
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
 * events of its directory, a polled stat of the file (every `pollMs`), and
 * the signal. Never completes; unsubscribing closes the watchers and lets
 * SIGHUP go.
 *
 * @example
 * configUpdates(configReader(path), initial, configReloads$(path)).subscribe(apply);
 */
export const configReloads$ = (path: string, pollMs = 1_000): Observable<Reload> =>
  merge(directoryEvents$(path), statChanges$(path, pollMs), fromEvent(process, 'SIGHUP').pipe(map((): Reload => 'hup')));
