import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliArgv, cliRuns, cliToEnd, interrupt, nodeProgram } from '../helpers/cli.js';
import { CHILD, waitFor } from '../helpers/real-processes.js';

// What a person reads of the command line (issue 11, "a command line people like").

const { sandbox, start, own } = cliRuns();

const config = (ids: readonly string[]): string => {
  const path = sandbox().path('daemons.json');
  writeFileSync(path, JSON.stringify({ daemons: Object.fromEntries(ids.map((id) => [id, { command: process.execPath, args: [CHILD] }])) }));
  return path;
};

const TIME = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})([+-]\d\d:\d\d) /;
const FAILING_RUN = ['run', '--restart', 'never', '--', process.execPath, '-e', 'process.exit(3)'];
const shellQuote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;
const painted = (text: string, ansi: number): string => `\u001B[${ansi}m${text}\u001B[39m`;
// This environment, less any NO_COLOR the tests run with.
const colourable = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.NO_COLOR;
  return env;
};

describe('event lines are in local time, with the offset from UTC', () => {
  it.each([
    ['Asia/Kolkata', '+05:30'],
    ['Etc/GMT+3', '-03:00'],
    ['UTC', '+00:00'],
  ])('TZ=%s: every line begins with the local time and %s', async (tz, offset) => {
    const before = Date.now();
    const run = own(nodeProgram(cliArgv(FAILING_RUN), sandbox().dir, { env: { ...process.env, TZ: tz } }));
    expect(await run.exited).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines.map((line) => TIME.exec(line)?.[2])).toEqual(lines.map(() => offset));
    // The local clock's own time: read back with its offset, it is the moment the line was printed.
    const at = Date.parse(`${(TIME.exec(lines[0] ?? '')?.[1] ?? '').replace(' ', 'T')}${offset}`);
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
  });
});

describe('a failure is red on a terminal, and nowhere else', () => {
  // `rxdaemon run` on a pseudo-terminal of its own, as a person runs it.
  const onTerminal = async (env: NodeJS.ProcessEnv): Promise<string> => {
    const command = [process.execPath, ...cliArgv(FAILING_RUN)].map(shellQuote).join(' ');
    const script = spawn('script', ['-qec', command, '/dev/null'], { cwd: sandbox().dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    sandbox().own(script.pid ?? -1);
    let out = '';
    script.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    expect(await new Promise((resolve) => script.once('exit', resolve))).toBe(1);
    return out;
  };

  it('an exit with code 3 that nobody asked for, and its completed, are painted red on a terminal', async () => {
    const out = await onTerminal(colourable());
    const pid = /pid (\d+) exited with code 3/.exec(out)?.[1] ?? 'none';
    expect(out).toContain(painted(`pid ${pid} exited with code 3`, 31));
    expect(out).toContain(painted('completed: exit code 3, not restarted by its rule', 31));
    expect(out).toContain(painted(`started pid ${pid} (attempt 1)`, 32));
  });

  it('NO_COLOR on a terminal: no colour', async () => {
    const out = await onTerminal({ ...process.env, NO_COLOR: '1' });
    expect(out).toMatch(/pid \d+ exited with code 3/);
    expect(out).not.toContain('\u001B[');
  });

  it('stdout a pipe: no colour', async () => {
    const run = own(nodeProgram(cliArgv(FAILING_RUN), sandbox().dir, { env: colourable() }));
    expect(await run.exited).toBe(1);
    expect(run.stdout).toMatch(/pid \d+ exited with code 3/);
    expect(run.stdout).not.toContain('\u001B[');
  });
});

describe('rxdaemon manage: lines a person reads', () => {
  // After the time: the id column, as wide as `[longest id] `, then what happened.
  const columns = (stdout: string, width: number): { id: string; text: string }[] =>
    stdout
      .trim()
      .split('\n')
      .map((line) => {
        const rest = line.replace(TIME, '');
        return { id: rest.slice(0, width), text: rest.slice(width) };
      });

  it('ids are padded to the longest configured, so that what happened starts in one column; no snapshot lines', async () => {
    const data = sandbox().path('data');
    const run = start('manage', '--config', config(['db', 'worker-long']), '--data-dir', data);
    await waitFor('both started', () => /\[db\] {10}started pid/.test(run.stdout) && /\[worker-long\] started pid/.test(run.stdout), 10_000);
    await interrupt(run);
    const width = '[worker-long] '.length;
    const lines = columns(run.stdout, width);
    expect(lines.length).toBeGreaterThan(6);
    for (const { id, text } of lines) {
      expect(id).toMatch(/^(\[db\] {10}|\[worker-long\] | {14})$/);
      expect(text).toMatch(/^\S/);
    }
    expect(lines.at(-1)).toEqual({ id: ' '.repeat(width), text: 'manager stopped; every daemon stopped' });
    // Snapshots were written, and not talked about.
    expect(existsSync(`${data}/snapshot.json`)).toBe(true);
    expect(run.stdout).not.toContain('snapshot');
  });

  it('--verbose: a line for each snapshot written', async () => {
    const run = start('manage', '--verbose', '--config', config(['a']), '--data-dir', sandbox().path('data'));
    await waitFor('a snapshot line', () => /\d\d:\d\d {5}snapshot of 1 daemons written/.test(run.stdout), 10_000);
    await interrupt(run);
  });

  it('a refusal (another manager holds the data dir) is said once, on stderr, exit 2, without the usage', async () => {
    const path = config(['a']);
    const data = sandbox().path('data');
    const first = start('manage', '--config', path, '--data-dir', data);
    await waitFor('a started', () => /\[a\] started pid/.test(first.stdout), 10_000);
    const refused = await cliToEnd(['manage', '--config', path, '--data-dir', data], sandbox().dir);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^rxdaemon: the data dir is in use by a running manager \(pid \d+\); stop it first, or use another --data-dir\n$/);
    await interrupt(first);
  });
});

describe('the usage text follows a usage error, and nothing else', () => {
  it.each([
    ['an unknown command', ['bogus']],
    ['an unknown flag', ['manage', '--bogus']],
    ['a flag without its value', ['manage', '--config']],
    ['run without a command', ['run']],
  ])('%s: the message, then the usage; exit 2', async (_, args) => {
    const { code, stderr } = await cliToEnd(args, sandbox().dir);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage:');
  });

  it('a usage error of one command: its own usage lines, none of another command; an unknown command: the summary of all', async () => {
    const misused = await cliToEnd(['manage', '--bogus'], sandbox().dir);
    expect(misused.code).toBe(2);
    expect(misused.stderr).toMatch(/^rxdaemon: Unknown option '--bogus'.*\n\nUsage: rxdaemon manage /s);
    expect(misused.stderr).not.toMatch(/rxdaemon (run|status|logs|shutdown|restart|stop|start)\b/);
    const unknown = await cliToEnd(['bogus'], sandbox().dir);
    for (const command of ['run', 'manage', 'status', 'restart|stop|start', 'shutdown', 'logs']) expect(unknown.stderr).toContain(`  rxdaemon ${command} `);
  });

  it.each(['shutdown', 'stop', 'run'])('%s --help: its usage alone, on stdout; exit 0', async (command) => {
    const { code, stdout, stderr } = await cliToEnd([command, '--help'], sandbox().dir);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.startsWith(`Usage: rxdaemon ${command} `)).toBe(true);
    expect(stdout).not.toContain('rxdaemon manage');
  });

  const badConfigs: [string, string, string][] = [
    ['a JSON syntax error', '{\n  "daemons": {\n    "web": { "command": "sleep", }\n  }\n}\n', 'invalid JSON at line 3, column 34: Expected double-quoted property name'],
    ['an unknown field', JSON.stringify({ daemons: { web: { command: 'sleep', arg: ['1'] } } }), '`daemons.web.arg`: unknown field; did you mean `args`?'],
  ];
  it.each(badConfigs)('a config with %s: one line saying where and what, no usage; exit 2', async (_, text, message) => {
    const path = sandbox().path('daemons.json');
    writeFileSync(path, text);
    const { code, stdout, stderr } = await cliToEnd(['manage', '--config', path, '--data-dir', sandbox().path('data')], sandbox().dir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toEqual([expect.stringContaining(`${path}: ${message}`) as string, '']);
  });

  it('a config that is not there: one line, no usage; exit 2', async () => {
    const { code, stderr } = await cliToEnd(['manage', '--config', sandbox().path('missing.json'), '--data-dir', sandbox().path('data')], sandbox().dir);
    expect(code).toBe(2);
    expect(stderr).toContain('missing.json');
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a runtime failure (run --state F, F a directory): one line, no usage; exit 1', async () => {
    const state = sandbox().path('state');
    mkdirSync(state);
    const { code, stderr } = await cliToEnd(['run', '--state', state, '--', 'true'], sandbox().dir);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toContain('Usage:');
  });
});

describe('the programs’ own output (issue 18)', () => {
  const writeConfig = (daemons: Record<string, unknown>): string => {
    const path = sandbox().path('daemons.json');
    writeFileSync(path, JSON.stringify({ daemons }));
    return path;
  };
  // Says one line on each stream, then exits 3: not restarted.
  const speaker = (name: string) => ({ command: 'sh', args: ['-c', `echo "${name} says hi"; echo "${name} complains" >&2; exit 3`], restart: { policy: 'never' } });

  it('rxdaemon run shows the program’s stdout and stderr by default: the terminal’s', async () => {
    const { code, stdout, stderr } = await cliToEnd(['run', '--restart', 'never', '--', 'sh', '-c', 'echo to-stdout; echo to-stderr >&2'], sandbox().dir);
    expect(code).toBe(0);
    expect(stdout).toContain('to-stdout\n');
    expect(stderr).toContain('to-stderr\n');
  });

  it('rxdaemon run --json: every line on stdout is an event, the program’s stderr still shows; --stdout FILE redirects', async () => {
    const file = sandbox().path('out.log');
    const { code, stdout, stderr } = await cliToEnd(['run', '--json', '--restart', 'never', '--', 'sh', '-c', 'echo to-stdout; echo to-stderr >&2'], sandbox().dir);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { type: string }).type)).toContain('completed');
    expect(stderr).toContain('to-stderr\n');
    const redirected = await cliToEnd(['run', '--restart', 'never', '--stdout', file, '--', 'sh', '-c', 'echo to-file'], sandbox().dir);
    expect(redirected.stdout).not.toContain('to-file');
    expect(readFileSync(file, 'utf8')).toBe('to-file\n');
  });

  it('manage --output: every service’s lines behind its id, stderr marked, each run’s lines before its exited', async () => {
    const run = start('manage', '--output', '--config', writeConfig({ web: speaker('web'), db: speaker('db') }), '--data-dir', sandbox().path('data'));
    await waitFor('both exited', () => (run.stdout.match(/ exited /g) ?? []).length >= 2, 10_000);
    await interrupt(run);
    for (const id of ['web', 'db']) {
      const own = run.stdout.split('\n').filter((line) => line.includes(`[${id}]`)).map((line) => line.replace(TIME, '').slice(`[${id}] `.length).trim());
      const says = own.indexOf(`| ${id} says hi`);
      const complains = own.indexOf(`! ${id} complains`);
      const exited = own.findIndex((text) => / exited with code 3/.test(text));
      expect({ id, says: says >= 0, complains: complains >= 0, beforeExit: Math.max(says, complains) < exited }).toEqual({ id, says: true, complains: true, beforeExit: true });
    }
  });

  it('manage --output --json: the lines are JSON too, { type: line, id, stream, text }, among the events', async () => {
    const run = start('manage', '--output', '--json', '--config', writeConfig({ web: speaker('web') }), '--data-dir', sandbox().path('data'));
    await waitFor('web exited', () => run.stdout.includes('"type":"exited"'), 10_000);
    await interrupt(run);
    const shown = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; id?: string; stream?: string; text?: string });
    const lines = shown.filter((entry) => entry.type === 'line').map(({ id, stream, text }) => ({ id, stream, text }));
    expect(lines).toEqual(expect.arrayContaining([{ id: 'web', stream: 'stdout', text: 'web says hi' }, { id: 'web', stream: 'stderr', text: 'web complains' }]));
    expect(shown.findIndex((entry) => entry.type === 'exited')).toBeGreaterThan(shown.findIndex((entry) => entry.type === 'line' && entry.stream === 'stderr'));
  });
});
