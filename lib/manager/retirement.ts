import { AsyncSubject, EMPTY, merge, Observable } from 'rxjs';
import type { Daemon } from '../daemon/daemon.js';
import { dependentsOf } from './order.js';
import type { Service } from './service.js';

/**
 * The processes of each id on their way out: per id, what completes once
 * every process of it being stopped is gone. A new daemon of an id starts
 * only then, so two never share a pid file, a log or a record.
 */
export class Retirement {
  /** Per id: completes when the processes of that id being stopped are gone. */
  private readonly retiring = new Map<string, Observable<never>>();

  /**
   * Retires `id` by `gone$`, subscribed once whatever retires `id` already
   * and `after$` (what must go first) are done. Whoever waits for the end
   * (settled(), a relaunch, a dependency) waits on the subject kept here.
   * Written out by hand: 10,000 daemons stopping at once each held a
   * `concat` of `concat`s.
   */
  chain(id: string, gone$: Observable<never>, after$?: Observable<never>): void {
    const waits = [this.retiring.get(id), after$].filter((wait) => wait !== undefined);
    const done$ = new AsyncSubject<never>();
    this.retiring.set(id, done$);
    done$.subscribe({
      complete: () => {
        if (this.retiring.get(id) === done$) this.retiring.delete(id);
      },
    });
    const finish = (): void => {
      done$.complete();
    };
    // A daemon that erred (a bug, already carried by the manager's stream) is as gone as one that stopped.
    const go = (): void => {
      gone$.subscribe({ error: finish, complete: finish });
    };
    let waiting = waits.length;
    const one = (): void => {
      if (--waiting === 0) go();
    };
    if (waiting === 0) go();
    else for (const wait of waits) wait.subscribe({ error: one, complete: one });
  }

  /** Calls `start` once the processes of `id` being stopped are gone: at once when there are none. */
  whenGone(id: string, start: () => void): void {
    const previous = this.retiring.get(id);
    if (previous === undefined) start();
    else previous.subscribe({ complete: start });
  }

  /**
   * Retires each of `leaving` by `retire`, each only once what depends on it
   * among them is gone (dependents first, DESIGN's `after`): `retire` is
   * given what must go first, and chains what it stops here.
   */
  inOrder(leaving: ReadonlyMap<string, Service>, retire: (id: string, after$?: Observable<never>) => void): void {
    const dependents = dependentsOf(leaving);
    const gone = new Map<string, Observable<never>>();
    const retireOne = (id: string): Observable<never> => {
      const known = gone.get(id);
      if (known !== undefined) return known;
      const before = (dependents.get(id) ?? []).map(retireOne);
      retire(id, before.length === 0 ? undefined : merge(...before));
      const gone$ = this.retiring.get(id) ?? EMPTY;
      gone.set(id, gone$);
      return gone$;
    };
    for (const id of leaving.keys()) retireOne(id);
  }

  /** Completes when every process being stopped now is gone. */
  settled(): Observable<never> {
    return merge(...this.retiring.values());
  }
}

/** Stops `daemon`: completes once it is gone (errs only on a bug of its). */
export const stopped$ = (daemon: Daemon): Observable<never> =>
  new Observable<never>((subscriber) => {
    void daemon.stop();
    return daemon.events$.subscribe({
      error: (error: unknown) => {
        subscriber.error(error);
      },
      complete: () => {
        subscriber.complete();
      },
    });
  });
