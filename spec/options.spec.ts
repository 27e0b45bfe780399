import { describe, expect, it } from 'vitest';
import { checkCommand } from '../lib/command.js';
import { errorFields } from '../lib/events.js';
import { Daemon } from '../lib/daemon/daemon.js';
import { supervise } from '../lib/daemon/supervise.js';
import { resolveDaemonOptions, resolveOptions } from '../lib/options.js';

describe('options and commands are checked where they enter', () => {
  it.each([
    [{ restart: {} }, 'Expected the `restart` option to be a restart policy such as consulBackoff(), got object.'],
    [{ restart: { next: () => ({ kind: 'give-up' }), stableAfterMs: -1 } }, 'Expected the `restart.stableAfterMs` option to be an integer number of ms between 1 and 2147483647, got `-1` (number).'],
    [{ uid: -1 }, 'Expected the `uid` option to be a non-negative integer, got `-1` (number).'],
    [{ gid: 1.5 }, 'Expected the `gid` option to be a non-negative integer, got `1.5` (number).'],
    [{ pollIntervalMs: 0 }, 'Expected the `pollIntervalMs` option to be an integer number of ms between 1 and 2147483647, got `0` (number).'],
    [{ stdout: 'pipe' }, "Expected the `stdout` option to be `'ignore'`, `'inherit'` or `{ file: path }`, got `pipe` (string)."],
    [{ stderr: { file: '' } }, "Expected the `stderr` option to be `'ignore'`, `'inherit'` or `{ file: path }`, got `{\"file\":\"\"}` (object)."],
    [{ envNames: { id: '' } }, 'Expected the `envNames.id` option to be a non-empty string, got `` (string).'],
    [{ pidFile: 7 }, 'Expected the `pidFile` option to be a non-empty string, got `7` (number).'],
    [{ killProcessGroup: 'yes' }, 'Expected the `killProcessGroup` option to be true or false, got `yes` (string).'],
    [{ cgroup: 'sys/fs/cgroup/x' }, 'Expected the `cgroup` option to be an absolute path, got `sys/fs/cgroup/x` (string).'],
    [{ memoryMax: 0 }, 'Expected the `memoryMax` option to be a positive integer, got `0` (number).'],
    [{ cpuMax: 0.001 }, 'Expected the `cpuMax` option to be a finite number of cores >= 0.01, got `0.001` (number).'],
    [{ pidsMax: 1.5 }, 'Expected the `pidsMax` option to be a positive integer, got `1.5` (number).'],
  ])('%j', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(new TypeError(message));
  });

  it('a daemon on its own with a limit and no cgroup is refused: it would run unlimited', () => {
    expect(() => new Daemon({ command: 'x' }, { memoryMax: 2 ** 28 })).toThrow(
      new TypeError("Expected no `memoryMax` option on a daemon without a `cgroup`: limits apply to a manager's services under cgroup containment (see docs/containment.md)."),
    );
    expect(() => supervise({ command: 'x' }, { pidsMax: 64 })).toThrow('Expected no `pidsMax` option on a daemon without a `cgroup`');
    expect(resolveDaemonOptions({ cgroup: '/sys/fs/cgroup/x', cpuMax: 0.5 }).limits).toEqual({ cpuMax: 0.5 });
  });

  it('shows a value it cannot print as JSON by its kind', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => resolveOptions({ gracefulStopMs: circular as never })).toThrow('got `[object Object]` (object)');
    expect(() => resolveOptions({ gracefulStopMs: 10n as never })).toThrow('got `10n` (bigint)');
  });

  it.each([
    [null, "Expected the command's `command` to be an object"],
    [{ command: 'x', args: 'a b' }, "Expected the command's `args` to be an array of strings"],
    [{ command: 'x', cwd: 1 }, "Expected the command's `cwd` to be a string"],
    [{ command: 'x', env: { A: 1 } }, "Expected the command's `env` to be an object of strings"],
    [{ command: 'x', id: 5 }, "Expected the command's `id` to be a string"],
  ])('refuses the command %j', (command, message) => {
    expect(() => checkCommand(command as never)).toThrow(message);
  });

  it('an error that is not an Error still becomes a code and a message', () => {
    expect(errorFields('boom')).toEqual({ code: 'EUNKNOWN', message: 'boom' });
    expect(errorFields(new Error('plain'))).toEqual({ code: 'EUNKNOWN', message: 'plain' });
  });
});
