import { describe, expect, it } from 'vitest';
import { systemdUnit, unitPlacement, type UnitSettings } from '../../lib/cli/systemd-unit.js';

const settings: UnitSettings = {
  node: '/home/ada/.nvm/versions/node/v20.19.0/bin/node',
  nodeOptions: [],
  script: '/home/ada/.nvm/versions/node/v20.19.0/lib/node_modules/rxdaemon/dist/cli/main.js',
  config: '/home/ada/agent/services.json',
  dataDir: '/home/ada/.local/state/rxdaemon',
  scope: 'system',
  user: 'ada',
};

const linesOf = (unit: string, key: string): string[] => unit.split('\n').filter((line) => line.startsWith(`${key}=`));

describe('systemdUnit: the unit `rxdaemon startup systemd` prints', () => {
  it('a system unit: absolute paths, Type=notify, a watchdog, KillMode=process and why, Delegate=yes, User= the invoking user', () => {
    const unit = systemdUnit(settings);
    expect(unit).toMatch(/^# rxdaemon's manager of \/home\/ada\/agent\/services.json, made by `rxdaemon startup systemd`\n/);
    expect(linesOf(unit, 'ExecStart')).toEqual([
      'ExecStart=/home/ada/.nvm/versions/node/v20.19.0/bin/node /home/ada/.nvm/versions/node/v20.19.0/lib/node_modules/rxdaemon/dist/cli/main.js manage --config /home/ada/agent/services.json --data-dir /home/ada/.local/state/rxdaemon',
    ]);
    for (const line of [
      'Type=notify',
      'NotifyAccess=all',
      'WatchdogSec=30',
      'KillMode=process',
      'KillSignal=SIGTERM',
      'Delegate=yes',
      'Restart=on-failure',
      'RestartPreventExitStatus=2',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'User=ada',
      'WantedBy=multi-user.target',
      'After=network-online.target',
    ]) expect(unit.split('\n')).toContain(line);
    // The why of KillMode=process sits right above it, in the unit.
    const [before] = unit.split('\nKillMode=process\n');
    expect(before?.split('\n\n').at(-1)).toMatch(/^# KillMode=process: .*adopt.*\n(# .*\n)*# .*SIGTERM.*stops every daemon/s);
  });

  it('a user unit: no User=, WantedBy=default.target, no network-online.target (a user manager has none)', () => {
    const unit = systemdUnit({ ...settings, scope: 'user' });
    expect(linesOf(unit, 'User')).toEqual([]);
    expect(linesOf(unit, 'WantedBy')).toEqual(['WantedBy=default.target']);
    expect(unit).not.toContain('network-online');
    expect(linesOf(unit, 'Type')).toEqual(['Type=notify']);
  });

  it('node options this command ran with come before the script (tsx, a heap size)', () => {
    const unit = systemdUnit({ ...settings, nodeOptions: ['--max-old-space-size=4096'] });
    expect(linesOf(unit, 'ExecStart')[0]).toMatch(/^ExecStart=\S+\/bin\/node --max-old-space-size=4096 \S+\/main\.js manage /);
  });

  it('quotes what systemd would split or expand: spaces, quotes, backslashes, % and $', () => {
    const unit = systemdUnit({ ...settings, config: '/srv/my agent/"a"\\b.json', dataDir: '/srv/100%/$HOME' });
    expect(linesOf(unit, 'ExecStart')[0]).toMatch(/ manage --config "\/srv\/my agent\/\\"a\\"\\\\b\.json" --data-dir \/srv\/100%%\/\$\$HOME$/);
    // The description is subject to specifiers (%) but not to variables.
    expect(linesOf(unit, 'Description')).toEqual(['Description=rxdaemon: the services of /srv/my agent/"a"\\b.json']);
    expect(systemdUnit({ ...settings, config: '/srv/100%.json' })).toContain('Description=rxdaemon: the services of /srv/100%%.json\n');
  });

  it('refuses a path that is not absolute: a caller bug (the command resolves them)', () => {
    expect(() => systemdUnit({ ...settings, config: 'services.json' })).toThrow(TypeError);
    expect(() => systemdUnit({ ...settings, node: 'node' })).toThrow(/Expected the `node` path to be absolute, got `node`/);
  });
});

describe('unitPlacement: where the unit goes and how it is enabled', () => {
  it('a system unit: /etc/systemd/system, enabled with sudo systemctl', () => {
    expect(unitPlacement({ scope: 'system', user: 'ada', configHome: '/home/ada/.config' })).toEqual({
      path: '/etc/systemd/system/rxdaemon.service',
      enable: ['sudo systemctl daemon-reload', 'sudo systemctl enable --now rxdaemon'],
    });
  });

  it('a user unit: the user config dir, systemctl --user, and lingering so it starts at boot', () => {
    expect(unitPlacement({ scope: 'user', user: 'ada', configHome: '/home/ada/.config' })).toEqual({
      path: '/home/ada/.config/systemd/user/rxdaemon.service',
      enable: ['systemctl --user daemon-reload', 'systemctl --user enable --now rxdaemon', 'sudo loginctl enable-linger ada'],
    });
  });
});
