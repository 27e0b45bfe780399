import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncScheduler, firstValueFrom } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { attempt$ } from '../../lib/checks/run-check.js';
import { checkService, type Service } from '../../lib/manager/service.js';
import { configReader } from '../../lib/cli/config.js';

const dir = mkdtempSync(join(tmpdir(), 'rxdaemon-config-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const readConfig = (path: string) => configReader(path)();

describe('configReader', () => {
  it('reads the daemons of a config', () => {
    const path = file('ok.json', JSON.stringify({ daemons: { web: { command: 'envoy', args: ['-c', 'x'], env: { A: '1' }, token: 't', cwd: '/' } } }));
    expect(readConfig(path)).toEqual({ _tag: 'Right', right: { web: { command: 'envoy', args: ['-c', 'x'], env: { A: '1' }, token: 't', cwd: '/' } } });
  });

  it('reads a one-shot task and what starts after it (issue 15, item 6)', () => {
    const path = file('oneshot.json', JSON.stringify({ daemons: { migrate: { command: 'migrate', oneshot: true }, web: { command: 'envoy', after: ['migrate'] } } }));
    expect(readConfig(path)).toEqual({ _tag: 'Right', right: { migrate: { command: 'migrate', oneshot: true }, web: { command: 'envoy', after: ['migrate'] } } });
  });

  const leftOf = (path: string): { message: string; incomplete: boolean } | undefined => {
    const result = readConfig(path);
    return result._tag === 'Left' ? result.left : undefined;
  };

  it('names the bad field, with what a command may hold (the snapshot codec’s own limits)', () => {
    expect(leftOf(file('bad.json', JSON.stringify({ daemons: { web: { command: 'envoy', args: [1] } } })))).toEqual({
      message: expect.stringContaining('`daemons.web.args`: expected an array of strings (at most 4096') as string,
      incomplete: false,
    });
    expect(leftOf(file('env.json', JSON.stringify({ daemons: { web: { command: 'envoy', env: { 'A=B': '1' } } } })))?.message).toContain("`daemons.web.env`: expected an object of strings (at most 4096 variables, names non-empty and without '='");
    expect(leftOf(file('nul.json', JSON.stringify({ daemons: { web: { command: 'env\u0000oy' } } })))?.message).toContain('`daemons.web.command`: expected a non-empty string without NUL');
  });

  it('refuses an unknown field at any level, naming it, where it is, and the closest known name (finding 13)', () => {
    expect(leftOf(file('arg.json', JSON.stringify({ daemons: { web: { command: 'envoy', arg: ['-c', 'x'] } } })))?.message).toMatch(
      /^invalid config .*arg\.json: `daemons\.web\.arg`: unknown field; did you mean `args`\?$/,
    );
    expect(leftOf(file('top.json', JSON.stringify({ deamons: {} })))?.message).toContain('`deamons`: unknown field; did you mean `daemons`?');
    expect(leftOf(file('far.json', JSON.stringify({ daemons: { web: { command: 'envoy', restartPolicy: 'always' } } })))?.message).toContain(
      '`daemons.web.restartPolicy`: unknown field (known: command, args, cwd, env, token, gracefulStopMs, stopSignal, oneshot, killProcessGroup, stdout, stderr, tailLines, maxLogBytes, logBackups, uid, gid, memoryMax, cpuMax, pidsMax, after, restart, ready, health)',
    );
  });

  it('says where JSON breaks, by line and column; a file that is not whole JSON may still be being written', () => {
    const broken = leftOf(file('broken.json', '{\n  "daemons": {\n    "web": { "command": "envoy" }\n    "api": {}\n  }\n}\n'));
    expect(broken).toEqual({ message: expect.stringMatching(/broken\.json: invalid JSON at line 4, column 5: Expected ',' or '}' after property value$/) as string, incomplete: true });
    expect(leftOf(file('cut.json', '{ "daemons": '))).toEqual({ message: expect.stringContaining('invalid JSON at line 1, column 14: Unexpected end of JSON input') as string, incomplete: true });
    expect(leftOf(file('empty.json', ''))?.incomplete).toBe(true);
  });

  it('a missing file may be mid-rename; an unreadable one is not', () => {
    expect(leftOf(join(dir, 'missing.json'))).toEqual({ message: `cannot read the config ${join(dir, 'missing.json')}: no such file or directory`, incomplete: true });
    expect(leftOf(dir)).toEqual({ message: expect.stringContaining('illegal operation on a directory') as string, incomplete: false });
  });

  it('refuses an `after` that names no daemon of the config, naming it and the id meant (issue 15, item 2)', () => {
    const path = file('typo.json', JSON.stringify({ daemons: { web: { command: 'web' }, worker: { command: 'worker', after: ['wbe'] }, report: { command: 'report', after: ['worker', 'mail'] } } }));
    expect(leftOf(path)).toEqual({
      message: `invalid config ${path}: \`daemons.worker.after\`: no daemon "wbe" in this config; did you mean "web"?; \`daemons.report.after\`: no daemon "mail" in this config`,
      incomplete: false,
    });
  });

  it('refuses a cycle in `after`, naming its chain once (issue 15, item 2)', () => {
    const path = file('cycle.json', JSON.stringify({ daemons: { web: { command: 'web', after: ['worker'] }, worker: { command: 'worker', after: ['db'] }, db: { command: 'db', after: ['web'] }, self: { command: 'self', after: ['self'] } } }));
    expect(leftOf(path)).toEqual({
      message: `invalid config ${path}: \`daemons.web.after\`: a cycle: web → worker → db → web; \`daemons.self.after\`: a cycle: self → self`,
      incomplete: false,
    });
  });

  it('refuses a config without daemons', () => {
    expect(leftOf(file('none.json', '{}'))?.message).toContain('`daemons`: expected');
  });

  it('takes every service option as data; a relative output file is the config’s neighbour', () => {
    mkdirSync(join(dir, 'etc'), { recursive: true });
    const path = file(
      'etc/all.json',
      JSON.stringify({
        daemons: {
          web: {
            command: 'envoy',
            gracefulStopMs: 20_000,
            stopSignal: 'SIGTERM',
            killProcessGroup: false,
            stdout: { file: 'logs/web.log' },
            stderr: { file: '../web.err' },
            uid: 65_534,
            gid: 65_534,
            restart: { policy: 'exponential', maxAttempts: 3 },
          },
          quiet: { command: 'helper', stdout: 'ignore', stderr: { file: '/var/log/helper.err' } },
        },
      }),
    );
    const read = readConfig(path);
    if (read._tag === 'Left') throw new Error(read.left.message);
    const { restart, ...web } = read.right.web ?? { command: '' };
    expect(web).toEqual({
      command: 'envoy',
      gracefulStopMs: 20_000,
      stopSignal: 'SIGTERM',
      killProcessGroup: false,
      stdout: { file: join(dir, 'etc', 'logs', 'web.log') },
      stderr: { file: join(dir, 'web.err') },
      uid: 65_534,
      gid: 65_534,
    });
    expect(restart?.next({ attempt: 4, restarts: 3, last: { kind: 'spawn-failed' }, runMs: 0, now: 0 })).toEqual({ kind: 'give-up', reason: 'attempts-exhausted' });
    expect(read.right.quiet).toEqual({ command: 'helper', stdout: 'ignore', stderr: { file: '/var/log/helper.err' } });
  });

  it('takes ready, health and after as data: each check built, its timing given as written', async () => {
    const path = file(
      'checks.json',
      JSON.stringify({
        daemons: {
          db: { command: 'postgres', ready: { exec: ['pg_isready', '-h', 'localhost'], intervalMs: 500, timeoutMs: 30_000, attemptTimeoutMs: 2_000 }, health: { tcp: 5432 } },
          app: { command: 'app', after: ['db'], ready: { output: 'listening on \\d+', stream: 'stderr' }, health: { http: 'http://127.0.0.1:8080/healthz', expectStatus: [200, 204], intervalMs: 5_000, timeoutMs: 1_000, failures: 2 } },
        },
      }),
    );
    const read = readConfig(path);
    if (read._tag === 'Left') throw new Error(read.left.message);
    const { db, app } = read.right;
    const aCheck = expect.any(Function) as unknown;
    expect(db).toEqual({ command: 'postgres', ready: { check: aCheck, intervalMs: 500, timeoutMs: 30_000, attemptTimeoutMs: 2_000 }, health: { check: aCheck } });
    expect(app).toEqual({ command: 'app', after: ['db'], ready: { check: aCheck }, health: { check: aCheck, intervalMs: 5_000, timeoutMs: 1_000, failures: 2 } });
    // The stream and the pattern are the entry's: a line of stderr, from where the run began.
    const stderr = join(dir, 'app.err');
    writeFileSync(stderr, 'listening on 8080\n');
    const check = app?.ready?.check;
    if (check === undefined) throw new Error('no ready check');
    const verdict = await firstValueFrom(attempt$(check, { pid: process.pid, scheduler: asyncScheduler, stderr, stderrStart: 0 }, 1_000));
    expect(verdict).toEqual({ ok: true });
  });

  it('a relative cwd is the config’s neighbour too, not the manager’s', () => {
    mkdirSync(join(dir, 'srv'), { recursive: true });
    const path = file('srv/cwd.json', JSON.stringify({ daemons: { here: { command: 'x', cwd: 'work' }, up: { command: 'x', cwd: '../var' }, abs: { command: 'x', cwd: '/srv/abs' } } }));
    const read = readConfig(path);
    if (read._tag === 'Left') throw new Error(read.left.message);
    expect(Object.fromEntries(Object.entries(read.right).map(([id, service]) => [id, service.cwd]))).toEqual({ here: join(dir, 'srv', 'work'), up: join(dir, 'var'), abs: '/srv/abs' });
  });

  it('whatever it accepts, the manager accepts: every option at its bounds passes checkService', () => {
    const path = file(
      'bounds.json',
      JSON.stringify({
        daemons: {
          low: { command: 'x', gracefulStopMs: 0, killProcessGroup: true, uid: 0, gid: 0, tailLines: 0, maxLogBytes: 1, logBackups: 1, stopSignal: 'SIGQUIT', stdout: 'ignore', stderr: { file: 'e' }, restart: { policy: 'never' } },
          high: { command: 'x', gracefulStopMs: 2 ** 31 - 1, stopSignal: 'SIGKILL', tailLines: 10_000, maxLogBytes: Number.MAX_SAFE_INTEGER, logBackups: 99, restart: { stableAfterMs: 2 ** 31 - 1, maxRestarts: 1, withinMs: 1 } },
          checkedLow: { command: 'x', after: [], ready: { tcp: 1, intervalMs: 1, timeoutMs: 1, attemptTimeoutMs: 1 }, health: { http: 'http://x/', expectStatus: [100], intervalMs: 1, timeoutMs: 1, failures: 1 } },
          checkedHigh: {
            command: 'x',
            after: ['low'],
            ready: { exec: ['x'], intervalMs: 2 ** 31 - 1, timeoutMs: 2 ** 31 - 1, attemptTimeoutMs: 2 ** 31 - 1 },
            health: { output: '.', stream: 'stderr', intervalMs: 2 ** 31 - 1, timeoutMs: 2 ** 31 - 1, failures: Number.MAX_SAFE_INTEGER },
          },
        },
      }),
    );
    const read = readConfig(path);
    if (read._tag === 'Left') throw new Error(read.left.message);
    for (const [id, service] of Object.entries(read.right)) expect(checkService(service, id, true)).toMatchObject({ _tag: 'Right' });
  });

  it.each([
    [{ gracefulStopMs: -1 }, '`daemons.web.gracefulStopMs`: expected an integer number of ms between 0 and 2147483647, got -1'],
    [{ gracefulStopMs: 2 ** 31 }, '`daemons.web.gracefulStopMs`: expected an integer number of ms between 0 and 2147483647, got 2147483648'],
    [{ gracefulStopMs: '5s' }, "`daemons.web.gracefulStopMs`: expected an integer number of ms between 0 and 2147483647, got '5s'"],
    [{ stopSignal: 'TERM' }, "`daemons.web.stopSignal`: expected a signal name such as 'SIGTERM', got 'TERM'"],
    [{ stopSignal: 15 }, "`daemons.web.stopSignal`: expected a signal name such as 'SIGTERM', got 15"],
    [{ stopsignal: 'SIGTERM' }, '`daemons.web.stopsignal`: unknown field; did you mean `stopSignal`?'],
    [{ killProcessGroup: 'yes' }, "`daemons.web.killProcessGroup`: expected true or false, got 'yes'"],
    [{ uid: -1 }, '`daemons.web.uid`: expected a non-negative integer, got -1'],
    [{ maxLogBytes: -1 }, '`daemons.web.maxLogBytes`: expected a non-negative integer, got -1'],
    [{ logBackups: 1.5 }, '`daemons.web.logBackups`: expected a positive integer, got 1.5'],
    [{ tailLines: -1 }, '`daemons.web.tailLines`: expected a non-negative integer, got -1'],
    [{ gid: 'staff' }, "`daemons.web.gid`: expected a non-negative integer, got 'staff'"],
    [{ stdout: 'pipe' }, "`daemons.web.stdout`: expected 'ignore' or { \"file\": path }, got 'pipe'"],
    [{ stdout: '/var/log/web.log' }, "`daemons.web.stdout`: expected 'ignore' or { \"file\": path }, got '/var/log/web.log'"],
    [{ stderr: ['x'] }, "`daemons.web.stderr`: expected 'ignore' or { \"file\": path }, got an array of 1"],
    [{ stdout: 'inherit' }, "`daemons.web.stdout`: 'inherit' is not for a manager's daemons (they outlive its terminal): leave it out for the data dir's log, or give 'ignore' or { \"file\": path }"],
    [{ stderr: { fil: 'x' } }, '`daemons.web.stderr.fil`: unknown field; did you mean `file`?'],
    [{ stderr: { file: '' } }, "`daemons.web.stderr.file`: expected a non-empty string without NUL of at most 131072 characters, got ''"],
    [{ restart: { policy: 'exponential', freeAttempts: 2 } }, "`daemons.web.restart.freeAttempts`: a field of the 'consul' policy, not of 'exponential'"],
    [{ restart: { maxRestarts: 5 } }, '`daemons.web.restart.maxRestarts`: given without `withinMs`: at most maxRestarts restarts within withinMs ms needs both'],
    [{ restart: { whne: 'always' } }, '`daemons.web.restart.whne`: unknown field; did you mean `when`?'],
    [{ ready: { htp: 'http://localhost/' } }, '`daemons.web.ready.htp`: unknown field; did you mean `http`?'],
    [{ ready: { tcp: 5432, http: 'http://localhost/' } }, '`daemons.web.ready`: `http` and `tcp` given: an entry is exactly one check, `http`, `tcp`, `exec` or `output`'],
    [{ health: { output: 'listening on (\\d+' } }, '`daemons.web.health.output`: does not compile as a regular expression: Invalid regular expression: /listening on (\\d+/: Unterminated group'],
    [{ health: { tcp: 5432, attemptTimeoutMs: 100 } }, '`daemons.web.health.attemptTimeoutMs`: a field of `ready`, not of `health`'],
    [{ ready: { output: 'listening' }, stdout: 'ignore' }, "`daemons.web.ready.output`: reads the daemon's stdout file, but `stdout` is 'ignore'"],
    [{ health: { output: 'ok', stream: 'stderr' }, stderr: 'ignore' }, "`daemons.web.health.output`: reads the daemon's stderr file, but `stderr` is 'ignore'"],
    [{ after: 'db' }, "`daemons.web.after`: expected an array of ids (strings), got 'db'"],
    [{ afterr: ['db'] }, '`daemons.web.afterr`: unknown field; did you mean `after`?'],
    [{ oneshot: 'yes' }, "`daemons.web.oneshot`: expected true or false, got 'yes'"],
    [{ oneshot: true, ready: { tcp: 5432 } }, '`daemons.web.ready`: a one-shot task ("oneshot": true) is never ready: what starts after it waits for its exit with code 0; leave `ready` out'],
    [{ oneshot: true, health: { tcp: 5432 } }, '`daemons.web.health`: a one-shot task ("oneshot": true) is never ready: what starts after it waits for its exit with code 0; leave `health` out'],
  ])('%j: %s', (fields, message) => {
    const path = file('option.json', JSON.stringify({ daemons: { web: { command: 'envoy', ...fields } } }));
    expect(leftOf(path)).toEqual({ message: `invalid config ${path}: ${message}`, incomplete: false });
  });
});

describe('one schema of a service: a config and the manager refuse the same values, in the same words', () => {
  const expectedOf = (message: string): string | undefined => /^Expected the `[\w.]+` option to be (.*), got /.exec(message)?.[1];

  it.each([
    ['gracefulStopMs', -1],
    ['stopSignal', 'TERM'],
    ['killProcessGroup', 'yes'],
    ['tailLines', -1],
    ['maxLogBytes', -1],
    ['logBackups', 1.5],
    ['uid', -1],
    ['gid', 'staff'],
    ['after', 'db'],
  ])('%s: %j', (name, value) => {
    const service = { command: 'envoy', [name]: value } as unknown as Service;
    const refused = checkService(service, 'web', true);
    const expected = refused._tag === 'Left' ? expectedOf(refused.left) : undefined;
    expect(expected).toEqual(expect.any(String));
    const path = file('same.json', JSON.stringify({ daemons: { web: service } }));
    const read = readConfig(path);
    expect(read._tag === 'Left' ? read.left.message : undefined).toBe(`invalid config ${path}: \`daemons.web.${name}\`: expected ${expected ?? ''}, got ${typeof value === 'string' ? `'${value}'` : String(value)}`);
  });
});
