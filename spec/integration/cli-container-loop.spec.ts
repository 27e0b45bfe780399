import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliArgv } from '../helpers/cli.js';
import { isAlive, readIfThere, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

// docs/kubernetes.md's Deployment without hostPID runs the manager in a shell loop under tini: a manager
// that dies is started again in the same container, and adopts the daemons the dead one left. The loop is
// run here as the page writes it, with `rxdaemon` on the PATH and this sandbox's config.

const PAGE = fileURLToPath(new URL('../../docs/kubernetes.md', import.meta.url));

/** The shell script of the page's Deployment: the block scalar under `args: [sh, -c, |]`. */
const loopScript = (): string => {
  const lines = readFileSync(PAGE, 'utf8').split('\n');
  const start = lines.findIndex((line, i) => line.trim() === '- |' && lines[i - 1]?.trim() === '- -c');
  const indent = /^\s*/.exec(lines[start + 1] ?? '')?.[0] ?? '';
  const body = lines.slice(start + 1);
  const end = body.findIndex((line) => !line.startsWith(indent));
  return body.slice(0, end).map((line) => line.slice(indent.length)).join('\n');
};

const sandbox = sandboxPerTest();

/** The pids of `pid`'s children. */
const childrenOf = (pid: number): number[] =>
  (readIfThere(`/proc/${pid}/task/${pid}/children`) ?? '').split(' ').filter((word) => word !== '').map(Number);

describe("docs/kubernetes.md's loop: the manager restarts inside its container and adopts its daemons", () => {
  it('a SIGKILLed manager is started again and adopts web (same pid, no restart); SIGTERM to the loop stops web and ends it with 0', async () => {
    const script = loopScript();
    expect(script).toMatch(/^trap .* TERM$/m);
    const config = sandbox().path('services.json');
    writeFileSync(config, JSON.stringify({ daemons: { web: { command: '/bin/sleep', args: ['600'] } } }));
    const bin = sandbox().path('bin');
    mkdirSync(bin);
    writeFileSync(`${bin}/rxdaemon`, `#!/bin/sh\nexec ${[process.execPath, ...cliArgv([])].map((word) => `'${word}'`).join(' ')} "$@"\n`);
    chmodSync(`${bin}/rxdaemon`, 0o755);
    const data = sandbox().path('data');
    const loop = spawn('/bin/sh', ['-c', script.replaceAll('/etc/rxdaemon/services.json', config)], {
      cwd: sandbox().dir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, RXDAEMON_HOME: data, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    sandbox().own(loop.pid ?? -1);
    let out = '';
    loop.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    loop.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => loop.once('exit', (code) => { resolve(code); }));
    sandbox().defer(async () => {
      if (loop.exitCode === null && loop.signalCode === null) loop.kill('SIGKILL');
      await exited;
    });

    const webPid = (): number | undefined => (JSON.parse(readIfThere(`${data}/snapshot.json`) ?? '{"daemons":{}}') as { daemons: Record<string, { pid: number }> }).daemons.web?.pid;
    await waitFor(() => `web recorded (output: ${out.slice(-300)})`, () => webPid() !== undefined, 20_000);
    const web = sandbox().own(webPid() ?? -1);
    const [first] = childrenOf(loop.pid ?? -1);
    expect(first).toBeDefined();
    process.kill(first ?? -1, 'SIGKILL');

    await waitFor(() => `a second manager adopting web (output: ${out.slice(-300)})`, () => /adopted web/.test(out), 20_000);
    const [second] = childrenOf(loop.pid ?? -1);
    expect(second).not.toBe(first);
    expect(isAlive(web)).toBe(true);
    expect(webPid()).toBe(web);
    expect(out.match(/\[web\] started pid/g)).toHaveLength(1);

    loop.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(isAlive(web)).toBe(false);
    expect(out).toMatch(/\[web\] stopped\n/);
  });
});
