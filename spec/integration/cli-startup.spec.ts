import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliArgv, cliToEnd, killed, MAIN, nodeProgram } from '../helpers/cli.js';
import { isAlive, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();

// `systemd-analyze verify` reads a unit as systemd would, and names every key it cannot parse.
const systemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/** The words of the unit's ExecStart line (the sandbox's paths need no quotes, and the spec checks there are none). */
const execStartOf = (unit: string): string[] => {
  const line = unit.split('\n').find((l) => l.startsWith('ExecStart='));
  expect(line).not.toMatch(/["']/);
  return (line ?? '').slice('ExecStart='.length).split(' ');
};

/** The unit `rxdaemon startup systemd ARGS…` prints, run in the sandbox's dir; its stderr, and exit code. */
const startup = async (...args: string[]) => {
  const result = await cliToEnd(['startup', 'systemd', ...args], sandbox().dir);
  expect(result.code).toBe(0);
  return result;
};

describe('rxdaemon startup systemd prints a unit that starts this manager at boot', () => {
  it('node and the script are absolute paths that exist; the config and data dir given relative are made absolute', async () => {
    writeFileSync(sandbox().path('services.json'), '{ "daemons": {} }');
    const { stdout, stderr } = await startup('--config', 'services.json', '--data-dir', 'data');
    const [node, ...rest] = execStartOf(stdout);
    const script = rest.at(rest.indexOf('manage') - 1);
    expect(node).toBe(process.execPath);
    expect(rest.slice(rest.indexOf('manage'))).toEqual(['manage', '--config', sandbox().path('services.json'), '--data-dir', sandbox().path('data')]);
    for (const path of [node, script]) {
      expect(isAbsolute(path ?? '')).toBe(true);
      expect(existsSync(path ?? '')).toBe(true);
    }
    expect(script).toBe(realpathSync(MAIN));
    expect(stdout.split('\n')).toEqual(expect.arrayContaining(['Type=notify', 'NotifyAccess=all', 'WatchdogSec=30', 'KillMode=process', 'Delegate=yes', 'Restart=on-failure', 'WantedBy=multi-user.target']));
    expect(stderr).toBe('rxdaemon: save this unit as /etc/systemd/system/rxdaemon.service, then:\n  sudo systemctl daemon-reload\n  sudo systemctl enable --now rxdaemon\n');
  });

  it('the script is the CLI\'s own file, not the symlink it was run through (an npm bin link)', async () => {
    const link = sandbox().path('rxdaemon.ts');
    symlinkSync(MAIN, link);
    // cliArgv's last words are MAIN and the arguments: the link instead of MAIN.
    const run = nodeProgram(cliArgv(['startup', 'systemd']).map((word) => (word === MAIN ? link : word)), sandbox().dir);
    expect(await run.exited).toBe(0);
    expect(execStartOf(run.stdout)).toContain(realpathSync(MAIN));
    expect(execStartOf(run.stdout)).not.toContain(link);
  });

  it('without --config and --data-dir: the data dir manage would use, and its services.json', async () => {
    const home = sandbox().path('home');
    const run = nodeProgram(cliArgv(['startup', 'systemd']), sandbox().dir, { env: { ...process.env, RXDAEMON_HOME: home } });
    expect(await run.exited).toBe(0);
    expect(execStartOf(run.stdout).slice(-4)).toEqual(['--config', join(home, 'services.json'), '--data-dir', home]);
  });

  it('--user: a user unit, without User=, wanted by default.target, saved in the user\'s config dir', async () => {
    const { stdout, stderr } = await startup('--user', '--data-dir', 'data');
    expect(stdout).not.toMatch(/^User=/m);
    expect(stdout).toMatch(/^WantedBy=default\.target$/m);
    expect(stderr).toMatch(/^rxdaemon: save this unit as \/\S+\/systemd\/user\/rxdaemon\.service, then:\n {2}systemctl --user daemon-reload\n/);
  });

  it('the unit\'s ExecStart runs the manager; the SIGTERM of a stop, sent to it alone (KillMode=process), stops every daemon, and it exits 0', async () => {
    writeFileSync(sandbox().path('services.json'), JSON.stringify({ daemons: { web: { command: '/bin/sleep', args: ['600'] } } }));
    const { stdout } = await startup('--config', 'services.json', '--data-dir', 'data');
    const [node, ...argv] = execStartOf(stdout);
    expect(node).toBe(process.execPath);
    // From / as systemd does: nothing in the line may be relative.
    const manager = nodeProgram(argv, '/');
    sandbox().own(manager.pid);
    sandbox().defer(() => killed(manager));
    await waitFor('web started', () => /\[web\] started pid \d+/.test(manager.stdout), 20_000);
    const pid = sandbox().own(Number(/\[web\] started pid (\d+)/.exec(manager.stdout)?.[1]));
    manager.process.kill('SIGTERM');
    expect(await manager.exited).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(manager.stdout).toMatch(/\[web\] stopped\n/);
  });

  it('anything but systemd, or a word more, is a usage error', async () => {
    for (const args of [['startup'], ['startup', 'launchd'], ['startup', 'systemd', 'now']]) {
      const { code, stdout, stderr } = await cliToEnd(args, sandbox().dir);
      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(stderr).toMatch(/^rxdaemon: startup takes systemd, got '.*'\n/);
    }
  });

  it.runIf(systemdAnalyze)('systemd-analyze verify accepts the system unit and the user unit, without a warning (skipped where systemd-analyze is not installed: Debian\'s systemd package)', async () => {
    writeFileSync(sandbox().path('services.json'), '{ "daemons": {} }');
    for (const scope of [[], ['--user']]) {
      const { stdout } = await startup(...scope, '--config', 'services.json', '--data-dir', 'data');
      const unit = sandbox().path(`${scope.length === 0 ? 'system' : 'user'}/rxdaemon.service`);
      mkdirSync(join(unit, '..'));
      writeFileSync(unit, stdout);
      // A user manager needs a runtime dir, which a session without a login has not.
      const runtime = sandbox().path(`runtime-${scope.length}`);
      mkdirSync(runtime, { mode: 0o700 });
      const verify = spawnSync('systemd-analyze', [...scope, 'verify', unit], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
      expect({ status: verify.status, stderr: verify.stderr }).toEqual({ status: 0, stderr: '' });
    }
  });
});
