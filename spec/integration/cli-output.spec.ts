import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliArgv } from '../helpers/cli.js';
import { CHILD, isAlive, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();

const exitOf = (run: ChildProcess): Promise<number | null> =>
  run.exitCode !== null || run.signalCode !== null ? Promise.resolve(run.exitCode) : new Promise((resolve) => run.once('exit', resolve));

/**
 * `rxdaemon ARGS… | head -n 1`, built by hand so the test holds both pids:
 * head reads one line and exits, and every later write of rxdaemon meets a
 * closed pipe (EPIPE).
 */
const pipedToHead = (args: readonly string[]): { rxdaemon: ChildProcess; head: ChildProcess; stderr: () => string } => {
  const head = spawn('head', ['-n', '1'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const rxdaemon = spawn(process.execPath, cliArgv(args), { cwd: sandbox().dir, stdio: ['ignore', head.stdin, 'pipe'] });
  // Only head and rxdaemon hold the pipe now; once head exits, nobody reads it.
  head.stdin.destroy();
  sandbox().own(rxdaemon.pid ?? -1);
  sandbox().own(head.pid ?? -1);
  let stderr = '';
  rxdaemon.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { rxdaemon, head, stderr: () => stderr };
};

const pidIn = (path: string): number => sandbox().own(Number(readFileSync(path, 'utf8')));

describe('a closed stdout never interrupts supervision or a stop (finding 10)', () => {
  it('rxdaemon run … | head -n 1, then SIGINT: the SIGINT-ignoring child is stopped (SIGKILL after --grace) and rxdaemon exits 0', async () => {
    const marker = sandbox().path('child.pid');
    const { rxdaemon, head, stderr } = pipedToHead(['run', '--grace', '300', '--', process.execPath, CHILD, '--on-sigint', 'ignore', '--write', marker]);
    await waitFor('the child', () => existsSync(marker) && readFileSync(marker, 'utf8').endsWith('\n'), 10_000);
    const pid = pidIn(marker);
    await exitOf(head);
    rxdaemon.kill('SIGINT');
    expect(await exitOf(rxdaemon)).toBe(0);
    expect(stderr()).not.toMatch(/EPIPE|Error/);
    expect(isAlive(pid)).toBe(false);
  });

  it('rxdaemon manage … | head -n 1, then SIGINT: every daemon is stopped and rxdaemon exits 0', async () => {
    const ids = ['a', 'b'];
    const markers = ids.map((id) => sandbox().path(`${id}.pid`));
    const daemons = Object.fromEntries(ids.map((id) => [id, { command: process.execPath, args: [CHILD, '--on-sigint', 'ignore', '--write', sandbox().path(`${id}.pid`)] }]));
    const config = sandbox().path('daemons.json');
    writeFileSync(config, JSON.stringify({ daemons }));
    const { rxdaemon, head, stderr } = pipedToHead(['manage', '--config', config, '--data-dir', sandbox().path('data')]);
    await waitFor('both daemons', () => markers.every((marker) => existsSync(marker) && readFileSync(marker, 'utf8').endsWith('\n')), 10_000);
    const pids = markers.map(pidIn);
    await exitOf(head);
    rxdaemon.kill('SIGINT');
    // The manager's default grace is 5 s: the children ignore SIGINT and are SIGKILLed after it.
    expect(await exitOf(rxdaemon)).toBe(0);
    expect(stderr()).not.toMatch(/EPIPE|Error/);
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
