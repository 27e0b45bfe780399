import { left, right } from 'fp-ts/lib/Either.js';
import { asyncScheduler, defer, type Observable, type Subscription } from 'rxjs';
import type { ManagerEvent } from '../manager/events.js';
import { notifySettingsOf, notifySystemd$, type Notifier } from './notify.js';

/**
 * A {@link Notifier} through the `systemd-notify` binary (node has no unix
 * datagram socket): `systemd-notify --pid=PID MESSAGE` with `NOTIFY_SOCKET`
 * set for it alone. `--pid` names the manager as the unit's main process
 * (MAINPID=). systemd-notify waits until systemd has taken the message in,
 * since systemd attributes it to the unit by its sender, which must still be
 * alive then; and as a process other than the main one, it is let in by
 * `NotifyAccess=all`. A Left says why it failed: not installed, or its own
 * error. execa runs it (the short-lived commands are execa's), loaded only
 * under systemd.
 *
 * @example
 * systemdNotify('/run/systemd/notify', process.pid)('READY=1').subscribe(console.log);
 */
export const systemdNotify =
  (socket: string, pid: number): Notifier =>
  (message) =>
    defer(async () => {
      const { execa } = await import('execa');
      // A bound on the wait for systemd (its own is 5 s), so that pings cannot pile up behind a stuck one.
      const result = await execa('systemd-notify', [`--pid=${pid}`, message], { env: { NOTIFY_SOCKET: socket }, stdin: 'ignore', reject: false, timeout: 10_000 });
      if (!result.failed) return right(undefined);
      if (result.code === 'ENOENT') return left(`systemd-notify is not on the PATH (Debian: the systemd package), so systemd is not told ${message}`);
      // Its own words when it has any ("Failed to notify init system: …"), else execa's first line (a signal, the timeout).
      return left(`systemd-notify could not tell systemd ${message}: ${result.stderr.trim() || result.shortMessage?.split('\n')[0]}`);
    });

/**
 * Under systemd (`NOTIFY_SOCKET` in `env`), tells it what the manager whose
 * events are `events$` does ({@link notifySystemd$} through
 * {@link systemdNotify}, as this process), and says the first failure
 * through `say`. Takes `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`
 * out of `env` in any case, as sd_notify's `unset_environment` does: under
 * `NotifyAccess=all`, a daemon that speaks sd_notify would speak for the
 * manager's unit (its `READY=1`, or a `STOPPING=1` as it restarts). Call it
 * before the manager spawns anything; undefined when not under systemd.
 *
 * @example
 * const notifying = tellSystemd(manager.events$, process.env, (reason) => console.error(reason));
 * manager.run();
 */
export const tellSystemd = (events$: Observable<ManagerEvent>, env: NodeJS.ProcessEnv, say: (reason: string) => void): Subscription | undefined => {
  const settings = notifySettingsOf(env, process.pid);
  delete env.NOTIFY_SOCKET;
  delete env.WATCHDOG_USEC;
  delete env.WATCHDOG_PID;
  if (settings === undefined) return undefined;
  return notifySystemd$(events$, { watchdogMs: settings.watchdogMs, notify: systemdNotify(settings.socket, process.pid), scheduler: asyncScheduler }).subscribe(say);
};
