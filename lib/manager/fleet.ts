import { chain, isLeft, isRight } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { AsyncSubject, NEVER, catchError, concat, defer, EMPTY, ignoreElements, merge, Subject, type Observable } from 'rxjs';
import type { Command } from '../command.js';
import { Daemon } from '../daemon/daemon.js';
import { askEnd, supervising$ } from '../daemon/supervise.js';
import type { Ending } from '../daemon/supervision.js';
import type { DaemonEvent } from '../events.js';
import { resolveOptions, type DaemonOptions, type ResolvedOptions } from '../options.js';
import type { Marked } from '../process/driver.js';
import type { ProcessIdentity } from '../process/identity.js';
import { checkProcess, decodeSnapshot } from '../snapshot/check-snapshot.js';
import type { DataDir } from './data-dir.js';
import type { FleetEvent, ManagerEvent } from './events.js';
import { checkId } from './ids.js';
import { planReconcile } from './reconcile.js';
import type { Records } from './records.js';

// Omit, distributed over a union.
type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;

/**
 * The set of daemons a manager runs, keyed by id. It acts on plans (M1),
 * restores what an earlier manager recorded (M4, M8), and ends by closing
 * or killing (M5). Every daemon of an id waits for the previous process of
 * that id to be gone, so two never share a pid file, a log or a record.
 */
export class Fleet {
  readonly events$ = new Subject<ManagerEvent>();
  /** Pinged whenever a record changed. */
  readonly changed$ = new Subject<void>();
  private readonly daemons = new Map<string, Daemon>();
  /** Per id: completes when the processes of that id being stopped are gone. */
  private readonly retiring = new Map<string, Observable<never>>();
  /**
   * Ids never to be started by this manager, and why: a process recorded
   * for each still runs, but it can neither be adopted nor stopped (another
   * user's, or hidden by /proc). Starting the id would run a second copy.
   */
  private readonly held = new Map<string, string>();

  /** `options` are every daemon's; with a data dir, each gets its own pid file and logs there, and its records are kept. */
  constructor(
    private readonly options: DaemonOptions & Pick<ResolvedOptions, 'driver' | 'scheduler'>,
    private readonly dataDir: DataDir | undefined,
    private readonly records: Records | undefined,
  ) {}

  /** M1: brings the running set to `desired`, touching only the ids that differ. */
  reconcile(wanted: ReadonlyMap<string, Command>): void {
    const desired = new Map([...wanted].filter(([id]) => !this.held.has(id)));
    for (const [id, why] of this.held) {
      if (wanted.has(id)) this.emit({ type: 'invalid-entry', id, message: `not started: ${why}` });
    }
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
   * M4: adopts the live processes recorded for an id that is desired with
   * the same token, and stops the others (absent, or recorded with another
   * token: adopted only to be stopped, never respawned). Dead or invalid
   * records are skipped with a warning; what is left in a dead recorded
   * leader's group is ended (S5). M8: `marked` are the live processes of
   * this data dir's scope; a session leader among them that no record
   * holds, and whose parent is not one of them, was started by a manager
   * killed before it could record it: it is stopped; a member whose
   * session leader is gone is what is left of a daemon that died while no
   * manager ran: its group is ended. Then the first reconcile runs.
   */
  restore(found: ReadonlyMap<string, unknown>, marked: readonly Marked[], desired: ReadonlyMap<string, Command>): void {
    const adopted: string[] = [];
    const supervised = new Set<number>();
    for (const [id, entry] of found) {
      // Whatever becomes of its record, a recorded process is never a stray: one that died since the scan would be taken for both.
      const decoded = decodeSnapshot(entry);
      if (isRight(decoded)) supervised.add(decoded.right.pid);
      const skip = (code: string, message: string): void => {
        this.emit({ type: 'restore-skipped', id, code, message });
        // Still there, and not ours to end: its record stays, and its id is held, never started twice.
        if (code === 'EFOREIGN' || code === 'EHIDDEN') this.held.set(id, `a process recorded for it still runs and cannot be supervised (${message})`);
        else this.record(id, undefined);
        if (code === 'EDEAD' && isRight(decoded)) this.endLeftovers(decoded.right);
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
        decoded,
        chain((snapshot) => checkProcess(snapshot, this.options.driver)),
      );
      if (isLeft(toStop)) skip(toStop.left.code, toStop.left.message);
      else this.stopAdopted(id, toStop.right);
    }
    const pids = new Set(marked.map(({ pid }) => pid));
    const orphaned = new Map<number, string>();
    for (const candidate of marked) {
      const id = candidate.also ?? '';
      if (candidate.pid !== candidate.session) {
        if (!pids.has(candidate.session)) orphaned.set(candidate.session, id);
        continue;
      }
      if (supervised.has(candidate.pid) || pids.has(candidate.ppid)) continue;
      this.emit({ type: 'stray', id, pid: candidate.pid });
      this.stopAdopted(id, candidate);
    }
    for (const [session, id] of orphaned) {
      if (this.options.killProcessGroup !== false && this.options.driver.endGroup({ pid: session, startTime: null })) this.emit({ type: 'stray', id, pid: session });
    }
    this.emit({ type: 'restored', adopted });
    this.reconcile(desired);
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

  /** S5 for a recorded leader that died while no manager ran: what is left in its group is ended. */
  private endLeftovers(leader: ProcessIdentity): void {
    if (this.options.killProcessGroup !== false) this.options.driver.endGroup(leader);
  }

  /** Stops a live process that is not to be kept, without ever respawning it; it stays recorded until it is gone. */
  private stopAdopted(id: string, identity: ProcessIdentity): void {
    const options = resolveOptions(this.optionsFor(id));
    // The command is never run: this supervision only stops what it adopts.
    const gone$ = new AsyncSubject<never>();
    const stop = new AsyncSubject<Ending>();
    askEnd(stop, 'stop');
    supervising$({ command: 'adopted', id }, options, { ending: stop, restart$: NEVER }, identity).subscribe({
      next: (event) => {
        this.emit(event);
        if (event.type === 'exited') this.record(id, undefined);
      },
      error: (error: unknown) => {
        gone$.error(error);
      },
      complete: () => {
        gone$.complete();
      },
    });
    this.chain(id, gone$);
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
        // M8: the record first, in the same tick as the spawn, before anything else is done with the process.
        if (event.type === 'started' || event.type === 'adopted') this.record(id, daemon.snapshot());
        else if (event.type === 'exited') this.record(id, undefined);
        this.emit(event);
      },
      // A daemon errs only on a bug (a restart policy that throws, say): the manager's stream carries it.
      error: (error: unknown) => {
        this.events$.error(error);
      },
    });
  }

  private record(id: string, snapshot: unknown): void {
    if (this.records === undefined) return;
    this.records.set(id, snapshot);
    this.changed$.next();
  }

  private optionsFor(id: string): DaemonOptions {
    const { dataDir } = this;
    if (dataDir === undefined) return this.options;
    return { ...this.options, pidFile: dataDir.pidFile(id), stdout: dataDir.stdout(id), stderr: dataDir.stderr(id) };
  }

  /** A daemon's event as it is; one of the manager's own, stamped now. */
  private emit(event: DaemonEvent | WithoutAt<FleetEvent>): void {
    this.events$.next('at' in event ? event : { ...event, at: this.options.scheduler.now() });
  }
}
