import { EMPTY, Observable } from 'rxjs';
import { errorFields, type DaemonEvent, type EventFactory } from '../events.js';
import type { Files } from '../fs/files.js';

/**
 * The pid file of one daemon (S2–S4). Each effect is a stream that
 * completes when the file is written or removed; a failure is a
 * `pidfile-error` event, never a failure of the daemon. A run writes it
 * before it watches its process, and the end of the life removes it only
 * after the last run ended, so a removal can never be overtaken by the write
 * of an earlier pid.
 */
export interface PidFile {
  /** Replaces the file's content with the decimal pid and a newline. */
  write$(pid: number): Observable<DaemonEvent>;
  /** Removes the file. */
  remove$(): Observable<DaemonEvent>;
}

const NO_PID_FILE: PidFile = { write$: () => EMPTY, remove$: () => EMPTY };

/** The pid file at `path`, or one that does nothing when there is no path. */
export const pidFile = (path: string | undefined, files: Files, event: EventFactory): PidFile => {
  if (path === undefined) return NO_PID_FILE;
  // By hand, not defer/ignoreElements/catchError: every spawn and every stop of every daemon goes through here.
  const attempt = (effect: () => Observable<void>): Observable<DaemonEvent> =>
    new Observable<DaemonEvent>((subscriber) => {
      const failed = (error: unknown): void => {
        subscriber.next(event('pidfile-error', { path, error: errorFields(error) }));
        subscriber.complete();
      };
      try {
        return effect().subscribe({
          error: failed,
          complete: () => {
            subscriber.complete();
          },
        });
      } catch (error) {
        failed(error);
        return undefined;
      }
    });
  return {
    write$: (pid) => attempt(() => files.writeFile(path, `${pid}\n`)),
    remove$: () => attempt(() => files.removeFile(path)),
  };
};
