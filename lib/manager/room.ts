import { interval, type SchedulerLike, type Subscription } from 'rxjs';
import type { Headroom } from '../process/limits.js';
import type { LimitReachedEvent, Unstamped } from './events.js';

/**
 * How often ids held back by a limit of the OS are tried again when no
 * daemon of the manager ends: room is also freed by processes the manager
 * does not run (other users', the cgroup's others), which no event tells
 * of. A try is a few reads of /proc, so 10 s costs nothing, and a held
 * service waits at most that long once room is there.
 */
export const ROOM_RETRY_MS = 10_000;

/** What one try at starting ids does: those to start now, and those held back. */
export interface Admission {
  readonly start: readonly string[];
  readonly held: readonly string[];
}

/**
 * Splits ids to start (in order) by the room a limit leaves: as many as it
 * has room for start, the rest are held; no limit (`undefined`), all start.
 *
 * @example
 * admit(['a', 'b', 'c'], { more: 1, limit: 'RLIMIT_NPROC', value: 64, inUse: 31, raise: '…' }); // { start: ['a'], held: ['b', 'c'] }
 */
export const admit = (ids: readonly string[], headroom: Headroom | undefined): Admission =>
  headroom === undefined ? { start: ids, held: [] } : { start: ids.slice(0, headroom.more), held: ids.slice(headroom.more) };

/**
 * Why an id is not started, in words (a status's cause, a refused start):
 * the limit, its value and use, and how to raise it.
 *
 * @example
 * heldCause({ limit: 'RLIMIT_NPROC', value: 64, inUse: 64, raise: 'ulimit -u 97' }); // 'held: RLIMIT_NPROC is 64, 64 in use; ulimit -u 97'
 */
export const heldCause = ({ limit, value, inUse, raise }: Omit<Headroom, 'more'>): string => `held: ${limit} is ${value}, ${inUse} in use; ${raise}`;

/** What a {@link Room} needs of the manager: the OS's headroom, the scheduler for its retries, a way to say a limit, and to launch an id it admits. */
export interface RoomPorts {
  readonly headroom: (wanted: number) => Headroom | undefined;
  readonly scheduler: SchedulerLike;
  readonly limitReached: (event: Unstamped<LimitReachedEvent>) => void;
  readonly launch: (id: string) => void;
}

/**
 * Room admission: which desired ids a limit of the OS holds back
 * (`limit-reached`), in order, tried again when a daemon of the manager
 * ends, every ROOM_RETRY_MS while there are any, and at a start on request;
 * and which launched ids the OS does not count yet, for which room is kept.
 */
export class Room {
  /** Desired ids not started for want of room, in order. */
  private readonly held = new Set<string>();
  /**
   * Ids launched whose process the OS does not count yet (a spawn under
   * way, one waiting for its `after` or for the previous process of its id):
   * room is kept for them, or tries in one moment would all see the same.
   */
  private readonly unspawned = new Set<string>();
  private retries: Subscription | undefined;

  constructor(private readonly ports: RoomPorts) {}

  /** Splits new ids to start (in order) by the room there is now for them, besides what is launched and not counted yet. */
  admit(ids: readonly string[]): Admission & { readonly headroom: Headroom | undefined } {
    const headroom = this.headroom(ids.length);
    return { ...admit(ids, headroom), headroom };
  }

  /** The ids held now replaced by `held` (those of an {@link admit}), the limit said when there is one, and retries kept while any are held. */
  hold(held: readonly string[], headroom: Headroom | undefined): void {
    this.held.clear();
    for (const id of held) this.held.add(id);
    if (headroom !== undefined) this.limitReached(headroom);
    this.keepRetrying();
  }

  /** Room is kept for `id`, launched, until its process is counted or will never be ({@link counted}). */
  reserve(id: string): void {
    this.unspawned.add(id);
  }

  /** The process of `id` is counted by the OS now, or will never be. */
  counted(id: string): void {
    this.unspawned.delete(id);
  }

  /** Whether a limit holds `id` back. */
  holds(id: string): boolean {
    return this.held.has(id);
  }

  /** The held ids not in `wanted`. */
  heldBut(wanted: ReadonlyMap<string, unknown>): string[] {
    return [...this.held].filter((id) => !wanted.has(id));
  }

  /** `id` is no longer held. Returns whether it was (so it never ran). */
  unhold(id: string): boolean {
    return this.held.delete(id);
  }

  /**
   * Starts what of the held `ids` the OS has room for now; the limit is said
   * again (every id still held) only when some started. Returns the limit
   * when it still holds any of them.
   */
  retry(ids: readonly string[] = [...this.held]): Headroom | undefined {
    const headroom = this.headroom(ids.length);
    const { start } = admit(ids, headroom);
    for (const id of start) {
      this.held.delete(id);
      this.ports.launch(id);
    }
    if (headroom !== undefined && start.length > 0) this.limitReached(headroom);
    this.keepRetrying();
    return headroom;
  }

  /** `id` to run again on request: held with the others, tried now. Returns why it is held, when it is. */
  tryAgain(id: string): string | undefined {
    const waited = this.held.has(id);
    this.held.add(id);
    const headroom = this.retry([id]);
    if (headroom === undefined) return undefined;
    if (!waited) this.limitReached(headroom);
    return `${heldCause(headroom)} (tried again as room is freed)`;
  }

  /** At the manager's end: nothing held is started any more. */
  forget(): void {
    this.held.clear();
    this.keepRetrying();
  }

  /** The limit that leaves no room for `wanted` more besides the launches the OS does not count yet; `more` is net of those. */
  private headroom(wanted: number): Headroom | undefined {
    // Nothing to start needs no room: /proc is not read for a reconcile that only stops or keeps.
    if (wanted === 0) return undefined;
    const reserved = this.unspawned.size;
    const headroom = this.ports.headroom(wanted + reserved);
    return headroom === undefined ? undefined : { ...headroom, more: Math.max(0, headroom.more - reserved) };
  }

  /** Says which ids a limit holds back now, and why (once, not a spawn failure each). */
  private limitReached({ limit, value, inUse, raise }: Headroom): void {
    this.ports.limitReached({ type: 'limit-reached', limit, value, inUse, raise, held: [...this.held] });
  }

  /** Keeps the timer that tries held ids again running while there are any, on the scheduler. */
  private keepRetrying(): void {
    if (this.held.size === 0) {
      this.retries?.unsubscribe();
      this.retries = undefined;
    } else {
      this.retries ??= interval(ROOM_RETRY_MS, this.ports.scheduler).subscribe(() => {
        this.retry();
      });
    }
  }
}
