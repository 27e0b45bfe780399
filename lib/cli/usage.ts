/** The help text of `rxdaemon`, one page. */
export const USAGE = `rxdaemon: keep long-running processes alive

Usage:
  rxdaemon run [--pid-file F] [--grace MS] [--state F] [--keep-on-exit]
               [--stdout F] [--stderr F] [--json] -- CMD ARGS...
      Supervise one command: restart it with backoff when it dies, stop it
      gracefully (SIGINT, MS of grace, SIGKILL) on SIGINT/SIGTERM and exit.
      --state F       keep a snapshot in F; the next run with the same F
                      adopts the process it records, if it is still alive
      --keep-on-exit  on SIGINT/SIGTERM, leave the process running (its
                      state is in --state F) instead of stopping it

  rxdaemon manage --config FILE --data-dir DIR [--json] [--keep-on-exit]
      Run every daemon of FILE ({ "daemons": { "<id>": { "command": ...,
      "args": [...], "cwd": ..., "env": {...}, "token": ... } } }), reloaded
      when it changes and on SIGHUP. Logs, pid files and the snapshot live
      in DIR; a new manager on DIR adopts the daemons a closed one left.
      --keep-on-exit  on SIGINT/SIGTERM, leave the daemons running

  rxdaemon status --data-dir DIR [--json]
      List the daemons of DIR and whether each is alive.

Options:
  --json   print one event per line, as JSON, exactly as the library emits it
  --help   print this help

Exit codes: 0 after a clean stop, 2 for bad usage or config, 1 otherwise.
`;
