import { isLeft, type Either } from 'fp-ts/lib/Either.js';
import { concatMap, defer, EMPTY, filter, interval, map, materialize, merge, share, take, takeUntil, type Observable, type SchedulerLike } from 'rxjs';
import type { ManagerEvent } from '../manager/events.js';

/** What the manager tells systemd. */
export type NotifyMessage = 'READY=1' | 'WATCHDOG=1';

/** Where systemd listens, and its watchdog's period for this process, if any. */
export interface NotifySettings {
  /** `$NOTIFY_SOCKET`: a path, or `@` and an abstract name. */
  readonly socket: string;
  /** `$WATCHDOG_USEC` in ms, when the watchdog is this process's. */
  readonly watchdogMs: number | undefined;
}

/**
 * What systemd asked of this process through its environment, read as
 * `sd_notify` and `sd_watchdog_enabled` read it: nothing without
 * `NOTIFY_SOCKET`; a watchdog only when `WATCHDOG_USEC` is a positive number
 * and `WATCHDOG_PID`, if set, is `pid` (not a wrapper's that exec'd us).
 *
 * @example
 * notifySettingsOf({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000' }, process.pid);
 * // { socket: '/run/systemd/notify', watchdogMs: 30000 }
 */
export const notifySettingsOf = (env: Readonly<Record<string, string | undefined>>, pid: number): NotifySettings | undefined => {
  const socket = env.NOTIFY_SOCKET;
  if (socket === undefined || socket === '') return undefined;
  const usec = Number(env.WATCHDOG_USEC);
  const ours = env.WATCHDOG_PID === undefined || env.WATCHDOG_PID === String(pid);
  return { socket, watchdogMs: ours && Number.isSafeInteger(usec) && usec > 0 ? usec / 1000 : undefined };
};

/** How the messages are timed: the watchdog's period (none: no pings), on the scheduler. */
export interface NotificationsConfig {
  readonly watchdogMs: number | undefined;
  readonly scheduler: SchedulerLike;
}

/**
 * What a manager tells systemd, as it runs: `READY=1` when its first
 * `reconcile` event is emitted (a manager refused at start never is), and
 * `WATCHDOG=1` every half of the watchdog's period, as systemd advises, from
 * the start (a long restore must not trip the watchdog) until the manager's
 * events end. Completes when they complete, or fail (a manager whose loop is
 * gone no longer pings, so systemd's watchdog restarts it), or once
 * `READY=1` is said when there is no watchdog.
 *
 * @example
 * notifications$(manager.events$, { watchdogMs: 30_000, scheduler: asyncScheduler }).subscribe(send);
 */
export const notifications$ = (events$: Observable<ManagerEvent>, { watchdogMs, scheduler }: NotificationsConfig): Observable<NotifyMessage> =>
  defer(() => {
    const events = events$.pipe(share());
    const ready$ = events.pipe(
      filter((event) => event.type === 'reconcile'),
      take(1),
      map((): NotifyMessage => 'READY=1'),
    );
    // Timers run only while node's loop does: a blocked manager stops pinging too.
    const pings$ = watchdogMs === undefined ? EMPTY : interval(Math.max(1, Math.floor(watchdogMs / 2)), scheduler).pipe(map((): NotifyMessage => 'WATCHDOG=1'));
    const ended$ = events.pipe(
      materialize(),
      filter((notification) => notification.kind !== 'N'),
    );
    return merge(ready$, pings$).pipe(takeUntil(ended$));
  });

/** Sends one message to systemd: a Left says why it could not. */
export type Notifier = (message: NotifyMessage) => Observable<Either<string, void>>;

/**
 * Tells systemd what {@link notifications$} says, one message after the
 * other through `notify`. Emits the first failure's reason, once: the caller
 * says it, and the manager goes on (later messages are still sent: a ping
 * may get through where one failed).
 *
 * @example
 * notifySystemd$(manager.events$, { watchdogMs, notify: systemdNotify(socket, process.pid), scheduler: asyncScheduler })
 *   .subscribe((reason) => console.error(reason));
 */
export const notifySystemd$ = (events$: Observable<ManagerEvent>, { notify, ...config }: NotificationsConfig & { readonly notify: Notifier }): Observable<string> =>
  notifications$(events$, config).pipe(
    concatMap(notify),
    filter(isLeft),
    // The index counts failures: the first is said, the rest are not, and the sending goes on.
    filter((_, index) => index === 0),
    map((failure) => failure.left),
  );
