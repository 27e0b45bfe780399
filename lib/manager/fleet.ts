import { chain, isLeft, isRight, map } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { catchError, concat, defer, EMPTY, ignoreElements, merge, of, Subject, type Observable, type SchedulerLike } from 'rxjs';
import type { Command } from '../command.js';
import { Daemon } from '../daemon/daemon.js';
import { superviseResolved } from '../daemon/supervise.js';
import type { DaemonEvent } from '../events.js';
import { resolveOptions, type DaemonOptions } from '../options.js';
import type { ProcessDriver } from '../process/driver.js';
import { checkProcess, commandOf, decodeSnapshot } from '../snapshot/check-snapshot.js';
import type { DaemonSnapshot } from '../snapshot/codec.js';
import type { DataDir } from './data-dir.js';
import type { FleetEvent, ManagerEvent } from './events.js';

// Omit, distributed over a union.
type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;
import { checkId } from './ids.js';
import { planReconcile } from './reconcile.js';

// The events after which a snapshot may have changed.
const CHANGES_SNAPSHOT = new Set<DaemonEvent['type']>(['started', 'adopted', 'exited', 'stopped', 'closed', 'gave-up']);

/**
 * The set of daemons a manager runs, keyed by id. It acts on plans (M1),
 * restores from a snapshot (M4), and ends by closing or killing (M5). Every
 * daemon of an id waits for the previous one of that id to be gone, so two
 * never share a pid file or a log at once.
 */
export class Fleet {
  readonly events$ = new Subject<ManagerEvent>();
  /** Pinged whenever the snapshot may have changed. */
  readonly changed$ = new Subject<void>();
  private readonly daemons = new Map<string, Daemon>();
  /** Per id: completes when the daemons of that id being stopped are gone. */
  private readonly retiring = new Map<string, Observable<never>>();

  private readonly driver: ProcessDriver;
  private readonly scheduler: SchedulerLike;

  /** `options` are every daemon's; with a data dir, each gets its own pid file and logs there. */
  constructor(
    private readonly options: DaemonOptions & { readonly driver: ProcessDriver; readonly scheduler: SchedulerLike },
    private readonly dataDir: DataDir | undefined,
  ) {
    this.driver = options.driver;
    this.scheduler = options.scheduler;
  }

  /** M1: brings the running set to `desired`, touching only the ids that differ. */
  reconcile(desired: ReadonlyMap<string, Command>): void {
    const plan = planReconcile(new Map([...this.daemons].map(([id, daemon]) => [id, daemon.command])), desired);
    // Announced first, so the events of the daemons it touches follow it.
    this.emit({ type: 'reconcile', started: plan.start, stopped: plan.stop, replaced: plan.replace, unchanged: plan.unchanged.length });
    for (const id of [...plan.stop, ...plan.replace]) this.retire(id);
    for (const id of [...plan.replace, ...plan.start]) {
      const command = desired.get(id);
      if (command !== undefined) this.launch(id, command);
    }
  }

  /**
   * M4: adopts the live processes of a snapshot whose id is desired with the
   * same token, and stops the others (absent, or recorded with another
   * token: adopted only to be stopped, never respawned). Dead or invalid
   * entries are skipped with a warning. Then the first reconcile runs.
   */
  restore(entries: Readonly<Record<string, unknown>>, desired: ReadonlyMap<string, Command>): void {
    const adopted: string[] = [];
    for (const [id, entry] of Object.entries(entries)) {
      const skip = (code: string, message: string): void => {
        this.emit({ type: 'restore-skipped', id, code, message });
      };
      const idError = checkId(id);
      if (isLeft(idError)) {
        skip('EINVALID', idError.left);
        continue;
      }
      const wanted = desired.get(id);
      if (wanted !== undefined) {
        const restored = Daemon.restore(entry, { ...this.optionsFor(id), token: wanted.token });
        if (isRight(restored)) {
          this.follow(id, restored.right);
          adopted.push(id);
          continue;
        }
        // Any refusal but the token's ends here; a process recorded with another token is to be stopped.
        if (restored.left.code !== 'ETOKEN') {
          skip(restored.left.code, restored.left.message);
          continue;
        }
      }
      const toStop = pipe(
        decodeSnapshot(entry),
        chain((snapshot) => pipe(checkProcess(snapshot, this.driver), map((adoptee) => ({ snapshot, adoptee })))),
      );
      if (isLeft(toStop)) skip(toStop.left.code, toStop.left.message);
      else this.stopAdopted(id, toStop.right.snapshot, toStop.right.adoptee);
    }
    this.emit({ type: 'restored', adopted });
    this.reconcile(desired);
  }

  /** What snapshot.json should hold now: every supervised daemon with a live process. */
  snapshot(): Record<string, DaemonSnapshot> {
    const entries: Record<string, DaemonSnapshot> = {};
    for (const [id, daemon] of this.daemons) {
      const snapshot = daemon.snapshot();
      if (snapshot !== undefined) entries[id] = snapshot;
    }
    return entries;
  }

  /** M5 close: detaches every daemon; completes once the stops already under way are done. */
  closeAll(): Observable<never> {
    return defer(() => {
      for (const daemon of this.daemons.values()) daemon.close();
      return this.settled();
    });
  }

  /** M5 kill: stops every daemon; completes when all are gone. */
  killAll(): Observable<never> {
    return defer(() => {
      for (const id of [...this.daemons.keys()]) this.retire(id);
      return this.settled();
    });
  }

  private settled(): Observable<never> {
    return merge(...this.retiring.values());
  }

  private launch(id: string, command: Command): void {
    const daemon = new Daemon(command, this.optionsFor(id));
    this.follow(id, daemon);
    const previous = this.retiring.get(id);
    if (previous === undefined) daemon.start();
    // A daemon retired before its turn came was stopped before start: start() is then a Left, and nothing runs.
    else previous.subscribe({ complete: () => void daemon.start() });
  }

  private retire(id: string): void {
    const daemon = this.daemons.get(id);
    if (daemon === undefined) return;
    this.daemons.delete(id);
    void daemon.stop();
    this.chain(id, daemon.events$.pipe(ignoreElements()));
  }

  /** Stops a process of a snapshot that is not to be kept, without ever respawning it. */
  private stopAdopted(id: string, snapshot: DaemonSnapshot, adoptee: { pid: number; startTime: string | null }): void {
    const events$ = new Subject<DaemonEvent>();
    events$.subscribe((event) => {
      this.emit(event);
    });
    superviseResolved(commandOf(snapshot, undefined), resolveOptions(this.optionsFor(id)), { adopt: adoptee, stop$: of(true) }).subscribe(events$);
    this.chain(id, events$.pipe(ignoreElements()));
  }

  private chain(id: string, gone$: Observable<never>): void {
    // A daemon that erred (a bug, already carried by follow()) is as gone as one that stopped.
    const chained$ = concat(this.retiring.get(id) ?? EMPTY, gone$.pipe(catchError(() => EMPTY)));
    this.retiring.set(id, chained$);
    chained$.subscribe({
      complete: () => {
        if (this.retiring.get(id) === chained$) this.retiring.delete(id);
      },
    });
  }

  private follow(id: string, daemon: Daemon): void {
    this.daemons.set(id, daemon);
    daemon.events$.subscribe({
      next: (event) => {
        this.emit(event);
        if (CHANGES_SNAPSHOT.has(event.type)) this.changed$.next();
      },
      // A daemon errs only on a bug (a restart policy that throws, say): the manager's stream carries it.
      error: (error: unknown) => {
        this.events$.error(error);
      },
    });
  }

  private optionsFor(id: string): DaemonOptions {
    const { dataDir } = this;
    if (dataDir === undefined) return this.options;
    return { ...this.options, pidFile: dataDir.pidFile(id), stdout: dataDir.stdout(id), stderr: dataDir.stderr(id) };
  }

  /** A daemon's event as it is; one of the manager's own, stamped now. */
  private emit(event: DaemonEvent | WithoutAt<FleetEvent>): void {
    this.events$.next('at' in event ? event : ({ ...event, at: this.scheduler.now() }));
  }
}
