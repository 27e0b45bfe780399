import { isAbsolute, join } from 'node:path';

/** What a unit of `rxdaemon startup systemd` is made of; every path absolute. */
export interface UnitSettings {
  /** The node binary (`process.execPath`): absolute, so nvm, asdf and a PATH without node cannot break the unit. */
  readonly node: string;
  /** Node's own options this command ran with (`process.execArgv`): a loader such as tsx, a heap size. */
  readonly nodeOptions: readonly string[];
  /** The CLI's own file, through its symlinks (not the npm bin link, which a reinstall may move). */
  readonly script: string;
  readonly config: string;
  readonly dataDir: string;
  /** `system`: a unit of the system manager, run as `user`; `user`: a unit of `user`'s own systemd. */
  readonly scope: 'system' | 'user';
  /** The invoking user's name. */
  readonly user: string;
}

// Words systemd takes as they are: no space, quote, backslash, or a specifier or variable (those are doubled anyway).
const PLAIN = /^[\w@%+=:,./$-]+$/;

/**
 * A word of an Exec line, as systemd reads it back: `%` and `$` doubled
 * (specifiers and variables are expanded inside quotes too), and quoted with
 * C escapes when it holds anything that would split or escape it.
 */
const execWord = (word: string): string => {
  const literal = word.replaceAll('%', '%%').replaceAll('$', '$$$$');
  if (PLAIN.test(literal)) return literal;
  const escaped = literal.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n').replaceAll('\t', '\\t');
  return `"${escaped}"`;
};

// A value that is not an Exec line: specifiers are expanded, nothing else; a newline would end the line.
const plainValue = (text: string): string => text.replaceAll('%', '%%').replaceAll('\n', '\\n');

const PATHS = ['node', 'script', 'config', 'dataDir'] as const;

/**
 * The systemd unit that runs `rxdaemon manage` for a config and a data dir
 * at boot, as `pm2 startup` does: `Type=notify` (the manager says `READY=1`
 * after its first reconcile, and pings the watchdog at half of
 * `WatchdogSec=30`), `KillMode=process` with the reason in a comment,
 * `Delegate=yes` for containment, `Restart=on-failure`. A system unit runs as
 * `user` and is wanted by `multi-user.target`; a user unit by
 * `default.target`. A path that is not absolute is a TypeError: the command
 * resolves them.
 *
 * @example
 * systemdUnit({ node: process.execPath, nodeOptions: [], script: '/usr/lib/node_modules/rxdaemon/dist/cli/main.js',
 *   config: '/etc/rxdaemon/services.json', dataDir: '/var/lib/rxdaemon', scope: 'system', user: 'root' });
 */
export const systemdUnit = (settings: UnitSettings): string => {
  for (const name of PATHS) if (!isAbsolute(settings[name])) throw new TypeError(`Expected the \`${name}\` path to be absolute, got \`${settings[name]}\``);
  const { node, nodeOptions, script, config, dataDir, scope, user } = settings;
  const command = [node, ...nodeOptions, script, 'manage', '--config', config, '--data-dir', dataDir].map(execWord).join(' ');
  const system = scope === 'system';
  return [
    `# rxdaemon's manager of ${plainValue(config)}, made by \`rxdaemon startup systemd\``,
    '[Unit]',
    `Description=rxdaemon: the services of ${plainValue(config)}`,
    // A user manager has no network-online.target.
    ...(system ? ['Wants=network-online.target', 'After=network-online.target'] : []),
    '',
    '[Service]',
    '# The manager says READY=1 once its first reconcile is done, and WATCHDOG=1 every',
    '# WatchdogSec/2 while its loop is alive, through systemd-notify: a process other',
    '# than the main one, which NotifyAccess=all lets in.',
    'Type=notify',
    'NotifyAccess=all',
    'WatchdogSec=30',
    `ExecStart=${command}`,
    '# SIGHUP: read the config again.',
    'ExecReload=/bin/kill -HUP $MAINPID',
    '',
    '# KillMode=process: systemd signals the manager alone. Its daemons run in sessions',
    '# of their own and outlive it, so a manager that crashed (or that the watchdog',
    '# killed) and is restarted here adopts them, and none of them restarts. A stop is',
    '# still complete: SIGTERM reaches the manager, which stops every daemon with its',
    '# own stop signal and grace, dependents first, and exits 0 once all are gone.',
    'KillMode=process',
    'KillSignal=SIGTERM',
    '# Longer than the longest gracefulStopMs of a service, with a margin; past it the',
    '# manager alone is SIGKILLed, and the next one adopts what it was still stopping.',
    'TimeoutStopSec=90',
    '# The manager may run each service in a cgroup of its own under the unit\'s (containment).',
    'Delegate=yes',
    'Restart=on-failure',
    'RestartSec=1',
    '# 2 is a config error or a data dir another live manager owns: a restart will not help.',
    'RestartPreventExitStatus=2',
    ...(system ? [`User=${plainValue(user)}`] : []),
    '',
    '[Install]',
    `WantedBy=${system ? 'multi-user.target' : 'default.target'}`,
    '',
  ].join('\n');
};

/** Where a unit is saved, and the commands that enable and start it. */
export interface UnitPlacement {
  readonly path: string;
  readonly enable: readonly string[];
}

/**
 * Where {@link systemdUnit}'s unit goes and how it is enabled: a system unit
 * in /etc/systemd/system, a user unit in the user's config dir
 * (`$XDG_CONFIG_HOME`, else ~/.config), with lingering so the user's own
 * systemd, and the unit, start at boot rather than at the first login.
 *
 * @example
 * unitPlacement({ scope: 'user', user: 'ada', configHome: '/home/ada/.config' }).path; // '/home/ada/.config/systemd/user/rxdaemon.service'
 */
export const unitPlacement = ({ scope, user, configHome }: { readonly scope: 'system' | 'user'; readonly user: string; readonly configHome: string }): UnitPlacement =>
  scope === 'system'
    ? { path: '/etc/systemd/system/rxdaemon.service', enable: ['sudo systemctl daemon-reload', 'sudo systemctl enable --now rxdaemon'] }
    : {
        path: join(configHome, 'systemd', 'user', 'rxdaemon.service'),
        enable: ['systemctl --user daemon-reload', 'systemctl --user enable --now rxdaemon', `sudo loginctl enable-linger ${user}`],
      };
