import { concatAll, Subject, type Observable } from 'rxjs';
import type { DaemonEvent } from '../events.js';

/**
 * Runs file effects one after another in the order they were queued, so a
 * pid file removal can never be overtaken by a slower write of an earlier
 * pid. The queue runs on its own subscription: an effect queued by a stop
 * that was started by an unsubscribe still runs to its end.
 */
export class EffectQueue {
  private readonly effects = new Subject<Observable<DaemonEvent>>();
  /** What the effects report, as they finish. */
  readonly events$ = new Subject<DaemonEvent>();

  constructor() {
    this.effects.pipe(concatAll()).subscribe(this.events$);
  }

  /** Queues an effect; it must report failures as events, never as errors. */
  enqueue(effect$: Observable<DaemonEvent>): void {
    this.effects.next(effect$);
  }
}
