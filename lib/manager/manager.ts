import { ReplaySubject, Subject, type Observable } from 'rxjs';
import { deferred } from '../deferred.js';
import { manage, type DesiredSet, type ManagerOptions } from './manage.js';
import { isManagerTerminal, type ManagerEvent } from './events.js';

/**
 * The imperative face of {@link manage}: `run` starts it, `close` detaches
 * every daemon (they keep running, the snapshot keeps them), `kill` stops
 * them all. `events$` is hot.
 *
 * @example
 * const manager = new Manager(desired$, { dataDir: '/var/lib/agent/daemons' });
 * manager.events$.subscribe((event) => console.log(event.type));
 * manager.run();
 * process.on('SIGTERM', () => void manager.close().then(() => process.exit(0)));
 */
export class Manager {
  /** Every event of every daemon, and the manager's own; completes after the terminal one. */
  readonly events$: Observable<ManagerEvent>;
  readonly #events = new Subject<ManagerEvent>();
  readonly #close$ = new ReplaySubject<void>(1);
  readonly #kill$ = new ReplaySubject<void>(1);
  readonly #done = deferred<ManagerEvent | undefined>();
  #last: ManagerEvent | undefined;
  #running = false;

  constructor(
    private readonly desired$: Observable<DesiredSet>,
    private readonly options: Omit<ManagerOptions, 'close$' | 'kill$'> = {},
  ) {
    this.events$ = this.#events.asObservable();
  }

  /** Starts managing. Idempotent. */
  run(): void {
    if (this.#running) return;
    this.#running = true;
    manage(this.desired$, { ...this.options, close$: this.#close$, kill$: this.#kill$ }).subscribe({
      next: (event) => {
        if (isManagerTerminal(event)) this.#last = event;
        this.#events.next(event);
      },
      error: (error: unknown) => {
        this.#events.error(error);
        this.#done.resolve(undefined);
      },
      complete: () => {
        this.#events.complete();
        this.#done.resolve(this.#last);
      },
    });
  }

  /** M5: detaches every daemon and writes the final snapshot. Resolves with the terminal event. */
  close(): Promise<ManagerEvent | undefined> {
    this.#close$.next();
    return this.ended();
  }

  /** M5: stops every daemon and empties the snapshot. Resolves with the terminal event. */
  kill(): Promise<ManagerEvent | undefined> {
    this.#kill$.next();
    return this.ended();
  }

  /** Resolves with the terminal event (`manager-closed`, `manager-stopped`, `manager-refused`) once the manager has ended. */
  ended(): Promise<ManagerEvent | undefined> {
    return this.#running ? this.#done.promise : Promise.resolve(undefined);
  }
}
