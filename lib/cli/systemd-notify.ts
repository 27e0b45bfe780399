import { left, right } from 'fp-ts/lib/Either.js';
import { defer } from 'rxjs';
import type { Notifier } from './notify.js';

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
