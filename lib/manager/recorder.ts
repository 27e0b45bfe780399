import { Subject, type Observable } from 'rxjs';
import type { Command } from '../command.js';
import type { DaemonEvent } from '../events.js';
import type { SystemScans } from '../process/system-scans.js';
import type { SpawnIntent } from '../process/spawn-intent.js';
import type { Completion } from './completion.js';
import type { Records } from './records.js';

/**
 * What a manager writes to its records as its daemons live (M3, M8), and a
 * ping for each change, which the snapshot's compaction waits on. Without a
 * data dir there are no records: nothing is written and nothing pinged.
 */
export class Recorder {
  private readonly changes = new Subject<void>();
  /** Pings whenever a record changed. */
  readonly changed$: Observable<void> = this.changes.asObservable();

  constructor(
    private readonly records: Records | undefined,
    private readonly driver: Pick<SystemScans, 'spawnIntent'>,
  ) {}

  /**
   * M8: keeps the record of `id` by its daemon's events: its snapshot at
   * `started` or `adopted`, in the same tick as the spawn, before anything
   * else is done with the process; none once it `exited`.
   */
  see(id: string, event: DaemonEvent, snapshot: () => unknown): void {
    if (event.type === 'started' || event.type === 'adopted') this.set(id, snapshot());
    else if (event.type === 'exited') this.set(id, undefined);
    // The intent of a failed spawn resolves to nothing: a compaction drops it (a spawn failing in a loop would grow the journal).
    else if (event.type === 'spawn-failed' && this.records !== undefined) this.changes.next();
  }

  /** The record of `id`: a snapshot, or none. */
  set(id: string, snapshot: unknown): void {
    if (this.records === undefined) return;
    this.records.set(id, snapshot);
    this.changes.next();
  }

  /** M8: writes down the spawn `id` is about to make (see `Records.intend`). */
  intend(id: string, { command, cwd, env = {} }: Command): void {
    if (this.records === undefined) return;
    // What the daemon's spawn drops from the inherited environment (its id, token and scope variables) is never PATH.
    const intent = this.driver.spawnIntent({ command, cwd, env, dropEnv: [] });
    if (intent !== null) this.records.intend(id, intent);
  }

  /** The intent of a spawn of `id` that may have run stays recorded (see `Records.keep`). */
  readonly keep = (id: string, intent: SpawnIntent): void => {
    this.records?.keep(id, intent);
  };

  /** The completion of a one-shot `id`, or none. */
  complete(id: string, completion: Completion | undefined): void {
    if (this.records?.complete(id, completion) === true) this.changes.next();
  }

  /** A completion found at a restore that is not to be kept, forgotten: the restore's own changes ask for the compaction. */
  forgetFound(id: string): void {
    this.records?.complete(id, undefined);
  }

  /** Every completion forgotten (a kill). */
  forgetCompleted(): void {
    this.records?.forgetCompleted();
  }
}
