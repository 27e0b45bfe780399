import { isLeft, type Either } from 'fp-ts/lib/Either.js';
import {
  asyncScheduler,
  buffer,
  concatMap,
  defer,
  EMPTY,
  filter,
  map,
  of,
  share,
  switchMap,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { coalesce } from '../manager/coalesce.js';
import { serviceEquals, type DesiredSet } from '../manager/service.js';
import type { ConfigError } from './config.js';

/** What set off a reload: a sign that the file may have changed, or a SIGHUP (which always gets an answer). */
export type Reload = 'change' | 'hup';

/** What a reload found that the manager or the user must hear of. */
export type ConfigUpdate =
  | { readonly kind: 'changed'; readonly desired: DesiredSet }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'invalid'; readonly message: string };

/** How a config is read again. */
export interface ConfigUpdatesOptions {
  /** A burst of signs closer together than this is one reload (an editor's save, a ConfigMap's swap). Default 100. */
  readonly settleMs?: number;
  /**
   * The longest a burst is waited for, from its first sign: signs that never
   * stop (a file written again and again) cannot hold a reload back. Default
   * 400: with the manager's own 500 ms (M2), a change is acted on within 1 s.
   */
  readonly maxWaitMs?: number;
  /** How long to wait before reading again a file that is missing or not whole JSON. Default 100. */
  readonly retryMs?: number;
  /** How many times to read it again before saying what is wrong with it. Default 10: about 1 s for a save to end. */
  readonly retries?: number;
  readonly scheduler?: SchedulerLike;
}

type ConfigRead = Either<ConfigError, DesiredSet>;

// As the manager compares (S6): a changed option is a change, a policy the same only when it is the same object.
const sameSet = (a: DesiredSet, b: DesiredSet): boolean =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(a).every(([id, service]) => {
    const other = b[id];
    return other !== undefined && serviceEquals(service, other);
  });

/**
 * Reads the config, and reads it again (every `retryMs`, up to `retries`
 * times) while it looks like a file still being written: missing, or not
 * whole JSON. Emits the last read, then completes.
 *
 * @example
 * const initial = await firstValueFrom(readSettled$(configReader(path)));
 */
export const readSettled$ = (read: () => ConfigRead, { retryMs = 100, retries = 10, scheduler = asyncScheduler }: ConfigUpdatesOptions = {}): Observable<ConfigRead> => {
  const attempt$ = (done: number): Observable<ConfigRead> =>
    defer(() => {
      const result = read();
      return isLeft(result) && result.left.incomplete && done < retries ? timer(retryMs, scheduler).pipe(concatMap(() => attempt$(done + 1))) : of(result);
    });
  return attempt$(0);
};

/**
 * The config as it changes: each burst of `reloads$` (over once quiet for
 * `settleMs`, or `maxWaitMs` after its first sign however busy) reads it again
 * (settled, see {@link readSettled$}) and compares what it holds with the set in use.
 * Emits `changed` with a different set, `unchanged` for a SIGHUP that finds
 * the same one (a change event that does is silent), and `invalid` once for
 * a given error, however many events the same broken file sets off (a SIGHUP
 * hears it again). A newer reload cancels an older one still retrying.
 * Completes when `reloads$` does.
 *
 * @example
 * configUpdates(configReader(path), initial, configReloads$(path)).subscribe(apply);
 */
export const configUpdates = (
  read: () => ConfigRead,
  initial: DesiredSet,
  reloads$: Observable<Reload>,
  options: ConfigUpdatesOptions = {},
): Observable<ConfigUpdate> =>
  defer(() => {
    const { settleMs = 100, maxWaitMs = 400, scheduler = asyncScheduler } = options;
    let current = initial;
    let reported: string | undefined;
    const decide = (reload: Reload, result: ConfigRead): Observable<ConfigUpdate> => {
      if (isLeft(result)) {
        if (reload === 'change' && result.left.message === reported) return EMPTY;
        reported = result.left.message;
        return of({ kind: 'invalid', message: result.left.message });
      }
      reported = undefined;
      if (sameSet(result.right, current)) return reload === 'hup' ? of({ kind: 'unchanged' }) : EMPTY;
      current = result.right;
      return of({ kind: 'changed', desired: current });
    };
    const shared$ = reloads$.pipe(share());
    return shared$.pipe(
      buffer(shared$.pipe(coalesce({ quietMs: settleMs, maxWaitMs }, scheduler))),
      filter((burst) => burst.length > 0),
      map((burst): Reload => (burst.includes('hup') ? 'hup' : 'change')),
      switchMap((reload) => readSettled$(read, options).pipe(map((result) => ({ reload, result })))),
      concatMap(({ reload, result }) => decide(reload, result)),
    );
  });
