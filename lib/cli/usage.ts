// Where a command finds its manager: said once, under each command that asks one.
const DATA_DIR = `      DIR: --data-dir, else $RXDAEMON_HOME, else $XDG_STATE_HOME/rxdaemon,
      else ~/.local/state/rxdaemon.`;

/** The usage of `restart`, `stop` or `start`: what it does to each id (a line), and what they share. */
const control = (verb: string, does: string): string => `Usage: rxdaemon ${verb} <id…|all> [--data-dir DIR]
      ${does}
      Each id given, or all (every service the manager has configured), is
      asked of the manager of DIR (its control.sock). One line each, in the
      order given, of what was done or found (\`web is already running (pid
      812)\`). Exit 0 when every id was done or already so, 1 if one failed
      (or no manager runs), 2 for an id the manager has not configured (then
      nothing is done).
${DATA_DIR}
`;

/** The lines of each command's usage: shown by `rxdaemon CMD --help`, and after a usage error of CMD. */
const COMMANDS: Readonly<Record<string, string>> = {
  run: `Usage: rxdaemon run [options] -- CMD ARGS...
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
                            a file, inherit (default: the terminal's) or
                            ignore; with --json, stdout defaults to ignore
                            (the events' lines stay JSON), with
                            --keep-on-exit both do
      --max-log-bytes N --log-backups K
                            rotate an output file past N bytes, keeping K
                            copies (default 3)
      --tail-lines N        lines of stderr each exit reports (default 20)
      --pid-file F          the pid, after every spawn
      --state F             keep a snapshot in F; the next run with the same F
                            adopts the process it records, if still alive
      --keep-on-exit        on SIGINT/SIGTERM, leave the process running
      --json                one event per line, exactly as the library emits it
      Exit 0 after a clean stop or a run that completed with exit 0, 1 when
      the policy gave up or the last run failed and was not restarted.
`,
  manage: `Usage: rxdaemon manage [--config FILE] [--data-dir DIR] [--json] [--verbose]
                       [--keep-on-exit] [--output] [--containment MODE]
                       [--cgroup-root DIR]
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
          "after": ["<id>", ...] } },    (spawned once those are ready)
        "defaults": { any option above but command, args, cwd, env, token,
          oneshot and after: for every daemon that sets none } }
      Relative paths (cwd, output files) are the config file's neighbours.
      Logs, pid files and the snapshot live in DIR; a new manager on DIR
      adopts the daemons a closed one left. --keep-on-exit: on SIGINT/SIGTERM,
      leave the daemons running. --verbose: a line for each snapshot written.
      --output: every line the daemons write too, as [id] | line ([id] !
      line for stderr), read from their logs.
      --containment auto|cgroup|process-group: each daemon in a cgroup v2 of
      its own (<root>/rxd-<scope>/<id>, where <root> is --cgroup-root, else
      the manager's own cgroup) where one can be written (auto, the
      default), always (cgroup: exit 2 where none can), or never. Limits
      ("memoryMax", "cpuMax", "pidsMax") need cgroups and their controllers:
      one that cannot apply is a config error.
      --json: one event per line. Exit 2 for a bad config or a DIR in use.
${DATA_DIR}
`,
  status: `Usage: rxdaemon status [--json | --prometheus | --watch] [--data-dir DIR]
      The manager (pid, uptime, config), then the state, pid, uptime,
      restarts, last exit, CPU, memory and trouble of every daemon, as the
      manager of DIR tells it, else as its records say. --watch: again every
      second until Ctrl-C. --prometheus: Prometheus' text format. Exit 0:
      all running (or stopped on request, or a one-shot done); 1: some not;
      3: no manager runs.
${DATA_DIR}
`,
  restart: control('restart', 'Restart gracefully; one that gave up or completed is revived.'),
  stop: control('stop', 'Stop, and hold down until started; the manager runs on.'),
  start: control('start', 'Start; one that gave up or completed is revived, one running left alone.'),
  shutdown: `Usage: rxdaemon shutdown [--data-dir DIR]
      Stop every daemon and the manager of DIR; exit 0 once all are gone.
      With no manager running (after --keep-on-exit, or a crash), stop what
      its records hold, each process checked by its identity first (a pid
      now another process's is reported, never signalled), with its own stop
      signal and grace. Exit 1 when something could not be stopped.
${DATA_DIR}
`,
  logs: `Usage: rxdaemon logs [ID...] [-f] [-n N] [--stdout|--stderr] [--data-dir DIR]
      The last N lines (default 20, in all) of every service's stdout and
      stderr, or of those of ID..., each line as [id] | text, [id] ! text
      for stderr (one ID with --stdout or --stderr: as written); -f then
      follows them, across restarts, rotations and the manager's end, until
      interrupted. Where each service writes, the manager of DIR says; with
      none, DIR's logs/ are read.
${DATA_DIR}
`,
};

/** The help text of `rxdaemon`: every command in a line, and the options every command shares. */
export const USAGE = `rxdaemon: keep long-running processes alive

Usage:
  rxdaemon run [options] -- CMD ARGS...      supervise one command
  rxdaemon manage [--config FILE]            run every daemon of a config
  rxdaemon status [options]                  what every daemon is doing
  rxdaemon restart|stop|start <id…|all>      act on daemons of the manager
  rxdaemon shutdown                          stop every daemon and the manager
  rxdaemon logs [ID...] [-f] [-n N]          what daemons wrote
  rxdaemon COMMAND --help                    the usage of that command

  rxdaemon startup systemd [--user] [--config FILE] [--data-dir DIR]
      Print a systemd unit that runs manage with FILE and DIR at boot
      (absolute node and paths, Type=notify, a watchdog, KillMode=process);
      --user: a unit of your own systemd. Where to save it: on stderr.

Options:
  --data-dir DIR  the manager's data dir (default $RXDAEMON_HOME, else
                  $XDG_STATE_HOME/rxdaemon, else ~/.local/state/rxdaemon)
  --help          print this help
  --version       print rxdaemon's version

Exit codes: 0 done, 1 failure, 2 bad usage or config.
`;

/**
 * The usage of `command`: its own lines for a command rxdaemon has, else
 * (none, or one it does not know) the summary of all of them.
 *
 * @example
 * usageOf('shutdown'); // 'Usage: rxdaemon shutdown [--data-dir DIR]\n…'
 */
export const usageOf = (command: string | undefined): string =>
  command !== undefined && Object.hasOwn(COMMANDS, command) ? (COMMANDS[command] ?? USAGE) : USAGE;
