import { isTerminal, type DaemonEvent } from '../events.js';
import type { DependencyFailedEvent, Unstamped, WaitingEvent } from './events.js';
import type { Service } from './service.js';
import { waitingCause, type Awaited } from './waiting-cause.js';
import type { Rejected } from './wanted.js';

/** How an id ended without meeting what waits for it, with its own cause in words. */
export type UnmetEnd = NonNullable<Awaited['ended']>;

/** What {@link Dependencies} needs of the manager: what an id is awaited until, why an id is never started, and a way to say a wait. */
export interface DependencyPorts {
  /** What waits for `id` waits for it to complete (a one-shot) or to be ready. */
  readonly untilOf: (id: string) => Awaited['until'];
  /** Why `id` is never started, when it is not. */
  readonly heldOf: (id: string) => string | undefined;
  readonly say: (event: Unstamped<WaitingEvent | DependencyFailedEvent>) => void;
}

/**
 * The `after` gating of a manager: which ids meet an `after` now, how those
 * that ended without meeting it ended, and which services wait for theirs
 * (pending), each saying what it waits for.
 */
export class Dependencies {
  /** Ids that meet an `after` now: a daemon while it is ready, a one-shot once it has completed with exit code 0. */
  private readonly met = new Set<string>();
  /**
   * Ids whose daemon ended without meeting an `after` (gave up, completed
   * otherwise, stopped on request), and how: what waits for them waits on,
   * saying so, until they are launched again.
   */
  private readonly failed = new Map<string, UnmetEnd>();
  /** Services whose `after` is not met yet, by id: launched once every id they name is met. */
  private readonly pending = new Map<string, Service>();
  /** Ids the desired set names but refused (a limit that cannot apply, a cgroup that cannot be made), each with why: never started. */
  private refusals: ReadonlyMap<string, Rejected> = new Map();

  constructor(private readonly ports: DependencyPorts) {}

  /** Whether `id` meets an `after` now. */
  meets(id: string): boolean {
    return this.met.has(id);
  }

  /** `id` meets an `after` without running: a one-shot not run again, as it completed. */
  meet(id: string): void {
    this.met.add(id);
  }

  /** Keeps whether `id` meets an `after` by its daemon's events: ready, or (a one-shot) completed with exit code 0; no more once it exits or ends. */
  see(id: string, event: DaemonEvent, oneshot: boolean): void {
    const taskDone = event.type === 'completed' && oneshot && event.code === 0 && event.signal === null;
    if (event.type === 'ready' || taskDone) this.met.add(id);
    else if (event.type === 'exited' || isTerminal(event)) this.met.delete(id);
  }

  /**
   * `id` launched anew: what it met or how it ended is its last daemon's.
   * Returns whether it waits for its `after` (pending meanwhile, saying
   * what for; a dependency that ended without meeting it is said once,
   * when it comes to wait for it: a wait said again is no news of it), and
   * whether it had ended unmet (what waits for it is to be looked at again).
   */
  enter(id: string, service: Service): { readonly waits: boolean; readonly endedBefore: boolean } {
    this.met.delete(id);
    const endedBefore = this.failed.delete(id);
    const waitedBefore = this.pending.delete(id);
    const awaited = this.awaitedBy(service);
    if (awaited.length === 0) return { waits: false, endedBefore };
    this.pending.set(id, service);
    const cause = waitingCause(awaited);
    this.ports.say({ type: 'waiting', id, for: awaited.map((dependency) => dependency.id), cause });
    for (const { id: dependency, ended } of waitedBefore ? [] : awaited) {
      if (ended !== undefined) this.ports.say({ type: 'dependency-failed', id, dependency, how: ended.how, cause });
    }
    return { waits: true, endedBefore };
  }

  /**
   * The entries of the latest desired set that cannot be run and for which
   * nothing is kept (see {@link wantedOf}): what comes to wait for one
   * is told (`dependency-failed`, `invalid`) with the refusal in its cause,
   * rather than wait for it without a word.
   */
  refuse(refused: readonly Rejected[]): void {
    this.refusals = new Map(refused.map((rejected) => [rejected.id, rejected]));
  }

  /** `id` leaves: it meets nothing, waits for nothing. Returns whether it was waiting (so it never ran). */
  leave(id: string): boolean {
    this.met.delete(id);
    return this.pending.delete(id);
  }

  /**
   * `id` ended without meeting what waits for it: those that wait now are
   * told how (`dependency-failed`), and wait on with that cause; those that
   * come to wait for it later are told when they do.
   */
  endedUnmet(id: string, ended: UnmetEnd): void {
    this.failed.set(id, ended);
    for (const [waiting, service] of this.pending) {
      if ((service.after ?? []).includes(id)) this.ports.say({ type: 'dependency-failed', id: waiting, dependency: id, how: ended.how, cause: waitingCause(this.awaitedBy(service)) });
    }
  }

  /** The services waiting for `id`, as a copy (launching them again changes what waits). */
  waitingFor(id: string): [string, Service][] {
    return [...this.pending].filter(([, service]) => (service.after ?? []).includes(id));
  }

  /** Why `id` is not spawned yet, when it waits for its `after`. */
  causeOf(id: string): string | undefined {
    const service = this.pending.get(id);
    return service === undefined ? undefined : waitingCause(this.awaitedBy(service));
  }

  /** What a service still waits for of those it starts after: each daemon to be ready, each one-shot to complete; and how those that ended so ended. */
  private awaitedBy(service: Service): Awaited[] {
    return (service.after ?? [])
      .filter((name) => !this.met.has(name))
      .map((name) => {
        const refused = this.refusals.get(name);
        // A refused id is in no desired set: its own definition says what it is awaited until.
        const until = refused === undefined ? this.ports.untilOf(name) : refused.oneshot === true ? 'complete' : 'ready';
        const held = this.ports.heldOf(name);
        const never = held !== undefined ? `is not started: ${held}` : refused === undefined ? undefined : `is refused${refused.code === undefined ? '' : ` (${refused.code})`}: ${refused.message}`;
        // A held or refused id is never started: it cannot be waited for to no end without a word.
        const ended = never === undefined ? this.failed.get(name) : { how: 'invalid' as const, cause: never };
        return ended === undefined ? { id: name, until } : { id: name, until, ended };
      });
  }
}
