/** The help text of `rxdaemon`, one page. */
export const USAGE = `rxdaemon: keep long-running processes alive

Usage:
  rxdaemon run [options] -- CMD ARGS...
      Supervise one command: restart it with backoff when it ends, stop it
      on SIGINT/SIGTERM (the stop signal, MS of grace, SIGKILL) and exit.
      --grace MS            grace before SIGKILL (default 5000)
      --stop-signal SIG     the stop signal (default SIGINT; many want SIGTERM)
      --restart WHEN        always (default), on-failure or never
      --max-restarts N --within MS
                            give up after N restarts within MS
      --ready-http URL, --ready-tcp PORT
                            ready once URL answers 2xx, or 127.0.0.1:PORT
                            accepts; not ready in --ready-timeout MS (default
                            60000): stopped and restarted
      --stdout F, --stderr F
                            a file, inherit or ignore (default)
      --max-log-bytes N --log-backups K
                            rotate an output file past N bytes, keeping K
                            copies (default 3)
      --tail-lines N        lines of stderr each exit reports (default 20)
      --pid-file F          the pid, after every spawn
      --state F             keep a snapshot in F; the next run with the same F
                            adopts the process it records, if still alive
      --keep-on-exit        on SIGINT/SIGTERM, leave the process running

  rxdaemon manage [--config FILE] [--data-dir DIR] [--json] [--verbose]
                  [--keep-on-exit]
      Run every daemon of FILE (default: DIR/services.json), reloaded when it
      changes and on SIGHUP:
        { "daemons": { "<id>": { "command": ..., "args": [...], "cwd",
          "env", "token", "gracefulStopMs", "stopSignal", "killProcessGroup",
          "stdout"/"stderr": "ignore" | { "file" }, "tailLines",
          "maxLogBytes", "logBackups", "uid", "gid",
          "restart": { "policy": "consul" | "exponential" | "never",
            "when", "noRestartCodes", "maxRestarts", "withinMs", ... },
          "ready"/"health": { "http": URL | "tcp": PORT | "exec": [CMD, ...]
            | "output": REGEX, "intervalMs", "timeoutMs", ... },
          "after": ["<id>", ...] } } }   (spawned once those are ready)
      Relative paths (cwd, output files) are the config file's neighbours.
      Logs, pid files and the snapshot live in DIR; a new manager on DIR
      adopts the daemons a closed one left. --keep-on-exit: on SIGINT/SIGTERM,
      leave the daemons running. --verbose: a line for each snapshot written.

  rxdaemon status [--json]     state, pid, uptime, restarts, last exit, CPU,
                               memory and trouble of every daemon
  rxdaemon restart|stop|start ID
  rxdaemon logs ID... [-f] [-n N] [--stderr]
      These ask the manager of DIR (its control.sock; status and logs read
      DIR when none runs). DIR: --data-dir, else $RXDAEMON_HOME, else
      $XDG_STATE_HOME/rxdaemon, else ~/.local/state/rxdaemon.

  rxdaemon startup systemd [--user] [--config FILE] [--data-dir DIR]
      Print a systemd unit that runs manage with FILE and DIR at boot
      (absolute node and paths, Type=notify, a watchdog, KillMode=process);
      --user: a unit of your own systemd. Where to save it: on stderr.

Options:
  --json     print one event per line, as JSON, exactly as the library emits it
  --help     print this help
  --version  print rxdaemon's version

Exit codes: 0 after a clean stop (run: or a run that completed with exit 0),
2 for bad usage or config, 1 otherwise (run: the policy gave up, or the last
run failed and was not restarted).
`;
