import { catchError, concat, defer, ignoreElements, of, type Observable } from 'rxjs';
import type { EffectQueue } from '../daemon/effect-queue.js';
import { errorFields, type DaemonEvent, type EventFactory } from '../events.js';
import type { ProcessDriver } from './driver.js';

/**
 * The pid file of one daemon (S2–S4). Failing to write or remove it is a
 * `pidfile-error` event, never a failure of the daemon.
 */
export class PidFile {
  constructor(
    private readonly path: string | undefined,
    private readonly driver: ProcessDriver,
    private readonly event: EventFactory,
    private readonly queue: EffectQueue,
  ) {}

  /** Replaces the file's content with the decimal pid and a newline. */
  write(pid: number): void {
    this.queue.enqueue(this.attempt((path) => this.driver.writeFile(path, `${pid}\n`)));
  }

  /** Removes the file, then emits the event `then` builds (stamped when it is emitted). */
  removeThen(then: () => DaemonEvent): void {
    this.queue.enqueue(concat(this.attempt((path) => this.driver.removeFile(path)), defer(() => of(then()))));
  }

  private attempt(effect: (path: string) => Observable<void>): Observable<DaemonEvent> {
    const { path } = this;
    if (path === undefined) return of();
    return defer(() => effect(path)).pipe(
      ignoreElements(),
      catchError((error: unknown) => of(this.event('pidfile-error', { path, error: errorFields(error) }))),
    );
  }
}
