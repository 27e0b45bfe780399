import { createServer, type Server } from 'node:http';
import { asyncScheduler, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadyOptions } from '../../lib/checks/check.js';
import { attempt$, type Verdict } from '../../lib/checks/run-check.js';
import { UsageError } from '../../lib/cli/output.js';
import { daemonOptionsOf, type RunFlags } from '../../lib/cli/run-options.js';
import type { RestartPolicy } from '../../lib/policy/restart-policy.js';
import { closed, listening } from '../checks/helpers.js';
import { decide, exit, stateOf } from '../helpers/policy.js';

const restartOf = (flags: RunFlags): RestartPolicy => {
  const { restart } = daemonOptionsOf(flags);
  if (restart === undefined) throw new Error('no policy');
  return restart;
};

const verdictOf = (ready: ReadyOptions | undefined): Promise<Verdict> => {
  if (ready === undefined) throw new Error('no ready check');
  return firstValueFrom(attempt$(ready.check, { pid: process.pid, scheduler: asyncScheduler }, 3_000));
};

describe('rxdaemon run: the daemon’s options from its flags', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await closed(server);
    server = undefined;
  });

  it('without flags, the library’s defaults, but for the output: the terminal’s, as every foreground runner shows it', () => {
    expect(daemonOptionsOf({})).toEqual({ stdout: 'inherit', stderr: 'inherit' });
  });

  it('with --json, the program’s stdout is not the terminal’s by default: the events’ lines stay JSON; its stderr is', () => {
    expect(daemonOptionsOf({ json: true })).toEqual({ stdout: 'ignore', stderr: 'inherit' });
    expect(daemonOptionsOf({ json: true, stdout: 'inherit' })).toEqual({ stdout: 'inherit', stderr: 'inherit' });
  });

  it('with --keep-on-exit, nothing of the terminal by default: the program outlives it (and would die of SIGPIPE on a closed pipe)', () => {
    expect(daemonOptionsOf({ 'keep-on-exit': true })).toEqual({ stdout: 'ignore', stderr: 'ignore' });
    expect(daemonOptionsOf({ 'keep-on-exit': true, stderr: 'inherit' })).toEqual({ stdout: 'ignore', stderr: 'inherit' });
  });

  it('--grace, --stop-signal, --pid-file, --stdout and --stderr', () => {
    expect(daemonOptionsOf({ grace: '250', 'stop-signal': 'SIGTERM', 'pid-file': 'd.pid', stdout: 'out.log', stderr: 'inherit' })).toEqual({
      gracefulStopMs: 250,
      stopSignal: 'SIGTERM',
      pidFile: 'd.pid',
      stdout: { file: 'out.log' },
      stderr: 'inherit',
    });
    expect(daemonOptionsOf({ stdout: 'ignore' }).stdout).toBe('ignore');
  });

  it('--tail-lines, --max-log-bytes and --log-backups', () => {
    expect(daemonOptionsOf({ stderr: 'err.log', 'tail-lines': '0', 'max-log-bytes': '1048576', 'log-backups': '5' })).toEqual({
      stdout: 'inherit',
      stderr: { file: 'err.log' },
      tailLines: 0,
      maxLogBytes: 1_048_576,
      logBackups: 5,
    });
  });

  it('--restart: which ends restart; the rest completes', () => {
    expect(restartOf({ restart: 'never' }).next(stateOf(1, { last: exit(1) })).kind).toBe('complete');
    expect(restartOf({ restart: 'on-failure' }).next(stateOf(1, { last: exit(0) })).kind).toBe('complete');
    expect(restartOf({ restart: 'on-failure' }).next(stateOf(1, { last: exit(2) })).kind).toBe('spawn');
    expect(restartOf({ restart: 'always' }).next(stateOf(4, { last: exit(0) }))).toEqual({ kind: 'spawn', delayMs: 2_000 });
  });

  it('--max-restarts N --within MS: the N + 1-th restart within MS gives up, on top of --restart', () => {
    expect(decide(restartOf({ 'max-restarts': '2', within: '10000' }), [0, 1_000, 2_000])).toEqual(['spawn', 'spawn', 'give-up']);
    const onFailure = restartOf({ restart: 'on-failure', 'max-restarts': '1', within: '1000' });
    expect(onFailure.next(stateOf(1, { last: exit(0) })).kind).toBe('complete');
    expect(decide(onFailure, [0, 10])).toEqual(['spawn', 'give-up']);
  });

  it('--ready-http URL and --ready-tcp PORT: the check of ready, with --ready-timeout MS', async () => {
    server = createServer((_, res) => res.writeHead(503).end());
    const port = await listening(server);
    const tcpReady = daemonOptionsOf({ 'ready-tcp': String(port) }).ready;
    expect(tcpReady).toEqual({ check: expect.any(Function) as unknown });
    expect(await verdictOf(tcpReady)).toEqual({ ok: true });
    const httpReady = daemonOptionsOf({ 'ready-http': `http://127.0.0.1:${port}/ready`, 'ready-timeout': '120000' }).ready;
    expect(httpReady).toEqual({ check: expect.any(Function) as unknown, timeoutMs: 120_000 });
    expect(await verdictOf(httpReady)).toEqual({ ok: false, error: { code: 'EHTTPSTATUS', message: `HTTP 503 from http://127.0.0.1:${port}/ready` } });
  });

  it.each<[RunFlags, string]>([
    [{ grace: 'soon' }, "--grace takes an integer number of ms between 0 and 2147483647, got 'soon'"],
    [{ grace: '2147483648' }, "--grace takes an integer number of ms between 0 and 2147483647, got '2147483648'"],
    [{ 'stop-signal': 'TERM' }, "--stop-signal takes a signal name such as 'SIGTERM', got 'TERM'"],
    [{ 'stop-signal': '15' }, "--stop-signal takes a signal name such as 'SIGTERM', got '15'"],
    [{ restart: 'sometimes' }, "--restart takes 'always', 'on-failure' or 'never', got 'sometimes'"],
    [{ 'max-restarts': '5' }, '--max-restarts N needs --within MS: at most N restarts within MS ms'],
    [{ within: '60000' }, '--within MS needs --max-restarts N: at most N restarts within MS ms'],
    [{ 'max-restarts': '0', within: '1000' }, "--max-restarts takes a positive integer, got '0'"],
    [{ 'max-restarts': 'five', within: '1000' }, "--max-restarts takes a positive integer, got 'five'"],
    [{ 'max-restarts': '5', within: '0' }, "--within takes an integer number of ms between 1 and 2147483647, got '0'"],
    [{ stdout: '' }, "--stdout takes a file, 'inherit' or 'ignore', got ''"],
    [{ stderr: '' }, "--stderr takes a file, 'inherit' or 'ignore', got ''"],
    [{ 'pid-file': '' }, "--pid-file takes a file, got ''"],
    [{ stdout: 'out.log', 'max-log-bytes': '1M' }, "--max-log-bytes takes a non-negative integer, got '1M'"],
    [{ stdout: 'out.log', 'max-log-bytes': '1000', 'log-backups': '0' }, "--log-backups takes a positive integer, got '0'"],
    [{ stdout: 'out.log', 'tail-lines': '-1' }, "--tail-lines takes a non-negative integer, got '-1'"],
    [{ 'tail-lines': '5' }, '--tail-lines acts on an output file: give --stdout FILE or --stderr FILE'],
    [{ stdout: 'inherit', 'max-log-bytes': '1000' }, '--max-log-bytes acts on an output file: give --stdout FILE or --stderr FILE'],
    [{ stderr: 'ignore', 'log-backups': '2' }, '--log-backups acts on an output file: give --stdout FILE or --stderr FILE'],
    [{ stdout: 'out.log', 'log-backups': '2' }, '--log-backups K needs --max-log-bytes N: the size past which a log is rotated'],
    [{ 'ready-http': 'localhost:8080' }, "--ready-http takes an http: or https: URL, got 'localhost:8080'"],
    [{ 'ready-http': '8080' }, "--ready-http takes an http: or https: URL, got '8080'"],
    [{ 'ready-http': 'ftp://127.0.0.1/' }, "--ready-http takes an http: or https: URL, got 'ftp://127.0.0.1/'"],
    [{ 'ready-tcp': '0' }, "--ready-tcp takes a port (an integer between 1 and 65535), got '0'"],
    [{ 'ready-tcp': '65536' }, "--ready-tcp takes a port (an integer between 1 and 65535), got '65536'"],
    [{ 'ready-tcp': 'db:5432' }, "--ready-tcp takes a port (an integer between 1 and 65535), got 'db:5432'"],
    [{ 'ready-http': 'http://127.0.0.1/', 'ready-tcp': '80' }, '--ready-http and --ready-tcp: give one ready check, not both'],
    [{ 'ready-timeout': '1000' }, '--ready-timeout MS needs --ready-http URL or --ready-tcp PORT: the check it gives time to'],
    [{ 'ready-tcp': '80', 'ready-timeout': '0' }, "--ready-timeout takes an integer number of ms between 1 and 2147483647, got '0'"],
    [{ 'ready-tcp': '80', 'ready-timeout': '1m' }, "--ready-timeout takes an integer number of ms between 1 and 2147483647, got '1m'"],
  ])('%j is a usage error: %s', (flags, message) => {
    expect(() => daemonOptionsOf(flags)).toThrow(new UsageError(message));
  });
});
