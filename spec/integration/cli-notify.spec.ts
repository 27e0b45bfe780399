import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliArgv, interrupt, nodeProgram, type Cli } from '../helpers/cli.js';
import { readIfThere, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

// rxdaemon manage under systemd: READY=1 and WATCHDOG=1 through systemd-notify when NOTIFY_SOCKET is set.
// A stand-in systemd-notify, first on the PATH, records how it was called: that is our side, told truthfully.
// Where the real systemd-notify and python3 are installed, a real datagram socket receives what it sends.

const FAKE_NOTIFY = fileURLToPath(new URL('../fixtures/fake-systemd-notify.sh', import.meta.url));
const NOTIFY_SOCKET = fileURLToPath(new URL('../fixtures/notify-socket.py', import.meta.url));
const has = (program: string): boolean => spawnSync(program, ['--version']).status === 0;

const sandbox = sandboxPerTest();

// 200 ms: a ping every 100 ms.
const WATCHDOG_USEC = '200000';

/** `rxdaemon manage --json` of `services`, with `env` on top of this process's; ended by the test or, at cleanup, SIGKILLed. */
const manage = (services: Record<string, unknown>, env: Record<string, string | undefined>): Cli => {
  const config = sandbox().path('services.json');
  writeFileSync(config, JSON.stringify({ daemons: services }));
  const run = nodeProgram(cliArgv(['manage', '--json', '--config', config, '--data-dir', sandbox().path('data')]), sandbox().dir, {
    env: { ...process.env, ...env },
  });
  sandbox().own(run.pid);
  sandbox().defer(async () => {
    if (run.process.exitCode === null && run.process.signalCode === null) run.process.kill('SIGKILL');
    await run.exited;
  });
  return run;
};

/** A PATH whose first dir holds the stand-in systemd-notify; the log it writes to. */
const fakeNotify = (): { PATH: string; FAKE_NOTIFY_LOG: string } => {
  const bin = sandbox().path('bin');
  mkdirSync(bin);
  symlinkSync(FAKE_NOTIFY, `${bin}/systemd-notify`);
  return { PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_NOTIFY_LOG: sandbox().path('notify.log') };
};

const linesOf = (path: string): string[] => (readIfThere(path) ?? '').split('\n').filter((line) => line !== '');

/** A daemon that writes its environment to `env.txt` in the sandbox, then sleeps. */
const envDump = () => ({ command: '/bin/sh', args: ['-c', `env > ${sandbox().path('env.txt')}; exec /bin/sleep 600`] });
/** A daemon that lives 0.4 s, restarted at once twice, then after 2 s (R1): a clock the spec can wait for. */
const blink = { command: '/bin/sh', args: ['-c', 'exec /bin/sleep 0.4'] };
const blinkStarts = (run: Cli): number => run.events().filter((e) => e.type === 'started' && e.id === 'blink').length;
/** Waits for blink's `n`th start. */
const blinkStarted = (run: Cli, n: number) => waitFor(`blink's start #${n}`, () => blinkStarts(run) >= n, 20_000);
/** The lines the manager said on stderr. */
const said = (run: Cli): string[] => run.stderr.split('\n').filter((line) => line !== '');

describe('rxdaemon manage tells systemd READY=1 and pings its watchdog, through systemd-notify', () => {
  it('READY=1 once, after the first reconcile; WATCHDOG=1 every half of WATCHDOG_USEC; each with --pid=<manager> and the socket', async () => {
    const fake = fakeNotify();
    const socket = sandbox().path('notify.sock');
    const run = manage({ env: envDump() }, { ...fake, NOTIFY_SOCKET: socket, WATCHDOG_USEC });
    await run.event('the first reconcile', (e) => e.type === 'reconcile');
    await waitFor('READY=1 and three pings', () => {
      const lines = linesOf(fake.FAKE_NOTIFY_LOG);
      return lines.includes(`${socket} --pid=${run.pid} READY=1`) && lines.filter((line) => line.endsWith(' WATCHDOG=1')).length >= 3;
    });
    const lines = linesOf(fake.FAKE_NOTIFY_LOG);
    expect(lines.filter((line) => line.endsWith('READY=1'))).toEqual([`${socket} --pid=${run.pid} READY=1`]);
    expect(new Set(lines.filter((line) => !line.endsWith('READY=1')))).toEqual(new Set([`${socket} --pid=${run.pid} WATCHDOG=1`]));
    expect(run.stderr).toBe('');
    await interrupt(run);
  });

  it('its daemons inherit neither NOTIFY_SOCKET nor the watchdog (their READY=1 or STOPPING=1 would be the unit\'s); the rest of its environment they do', async () => {
    const run = manage({ env: envDump() }, { ...fakeNotify(), NOTIFY_SOCKET: sandbox().path('notify.sock'), WATCHDOG_USEC, WATCHDOG_PID: undefined });
    await run.event('env started', (e) => e.type === 'started' && e.id === 'env');
    await waitFor('env.txt written', () => (readIfThere(sandbox().path('env.txt')) ?? '').includes('FAKE_NOTIFY_LOG='));
    expect(readFileSync(sandbox().path('env.txt'), 'utf8')).not.toMatch(/^(NOTIFY_SOCKET|WATCHDOG_USEC|WATCHDOG_PID)=/m);
    await interrupt(run);
  });

  it('a systemd-notify that fails is said once, on stderr; the manager goes on, and so do the pings', async () => {
    const fake = fakeNotify();
    const run = manage({ blink }, { ...fake, FAKE_NOTIFY_EXIT: '1', NOTIFY_SOCKET: sandbox().path('notify.sock'), WATCHDOG_USEC });
    await waitFor('the failure said', () => said(run).length > 0, 20_000);
    const tried = linesOf(fake.FAKE_NOTIFY_LOG).length;
    // Its stderr, and the pipe it comes through, are ahead of three more tries.
    await waitFor('three more tries', () => linesOf(fake.FAKE_NOTIFY_LOG).length >= tried + 3, 20_000);
    expect(said(run)).toEqual([
      expect.stringMatching(/^rxdaemon: systemd-notify could not tell systemd (READY|WATCHDOG)=1: Command failed with exit code 1: .*; going on without$/),
    ]);
    await interrupt(run);
  });

  it('a systemd-notify that is not installed is said once, and the manager goes on', async () => {
    const empty = sandbox().path('empty');
    mkdirSync(empty);
    const run = manage({ blink }, { PATH: empty, NOTIFY_SOCKET: sandbox().path('notify.sock'), WATCHDOG_USEC });
    await waitFor('the failure said', () => said(run).length > 0, 20_000);
    // Two more starts of blink: 0.8 s of the manager's life, eight pings tried, or more.
    await blinkStarted(run, blinkStarts(run) + 2);
    expect(run.stderr).toMatch(/^rxdaemon: systemd-notify is not on the PATH \(Debian: the systemd package\), so systemd is not told (READY|WATCHDOG)=1; going on without\n$/);
    await interrupt(run);
  });

  it('without NOTIFY_SOCKET, systemd-notify is never run, even with WATCHDOG_USEC set', async () => {
    const fake = fakeNotify();
    const run = manage({ blink }, { ...fake, NOTIFY_SOCKET: undefined, WATCHDOG_USEC });
    // The fourth start comes after three runs and R1's 2 s: 3 s of the manager's life, thirty pings' worth.
    await blinkStarted(run, 4);
    await interrupt(run);
    expect(readIfThere(fake.FAKE_NOTIFY_LOG)).toBeUndefined();
    expect(run.stderr).toBe('');
  });

  it.runIf(has('systemd-notify') && has('python3'))(
    'the real systemd-notify delivers MAINPID=<manager> with READY=1, and WATCHDOG=1, to a real datagram socket (skipped without systemd-notify and python3)',
    async () => {
      const socket = sandbox().path('notify.sock');
      const received = sandbox().path('received.log');
      const listener = spawn('python3', [NOTIFY_SOCKET, socket, received], { stdio: ['ignore', 'pipe', 'inherit'] });
      sandbox().own(listener.pid ?? -1);
      let bound = '';
      listener.stdout.on('data', (chunk: Buffer) => {
        bound += chunk.toString();
      });
      // python3 may be a pyenv shim, slow to start.
      await waitFor('the socket bound', () => bound.includes('bound'), 15_000);
      const run = manage({ blink }, { NOTIFY_SOCKET: socket, WATCHDOG_USEC });
      const messages = (): string[] => linesOf(received).map((line) => JSON.parse(line) as string);
      await waitFor('READY=1 and a ping received', () => messages().includes(`MAINPID=${run.pid}\nREADY=1`) && messages().includes(`MAINPID=${run.pid}\nWATCHDOG=1`), 10_000);
      expect(run.stderr).toBe('');
      await interrupt(run);
    },
  );
});
