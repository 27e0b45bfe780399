import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { useBundle } from '../helpers/bundle.js';
import { cliRuns, interrupt, nodeProgram, type Cli } from '../helpers/cli.js';
import { waitFor } from '../helpers/real-processes.js';

// rxdaemon status as a probe (its header and exit codes), --watch and
// --prometheus, against a real `rxdaemon manage` and without one. The CLI
// is bundled, so each of the many short commands starts in ~0.1 s.

const programs = useBundle();
const runs = cliRuns();
const data = (): string => runs.sandbox().path('data');

/** `rxdaemon ARGS…`, bundled, owned by the test. */
const rx = (...args: string[]): Cli => runs.own(nodeProgram([programs.cli, ...args], runs.sandbox().dir));
const rxToEnd = async (...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
  const run = rx(...args);
  const code = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
};

const SERVICES = {
  web: { command: 'sleep', args: ['600'] },
  // A one-shot that did its work counts as it should be.
  migrate: { command: 'sh', args: ['-c', 'exit 0'], oneshot: true },
  crashy: { command: 'sh', args: ['-c', 'echo "fatal: no config" >&2; exit 3'] },
};

/** `rxdaemon manage` of `services`, with `--json` for its events; the config's path too. */
const manage = (services: Record<string, unknown> = SERVICES, ...flags: string[]): { readonly manager: Cli; readonly config: string } => {
  const config = runs.sandbox().path('services.json');
  writeFileSync(config, JSON.stringify({ daemons: services }));
  return { manager: rx('manage', '--json', '--config', config, '--data-dir', data(), ...flags), config };
};

const status = (...flags: string[]) => rxToEnd('status', ...flags, '--data-dir', data());

/** Asks `status` until its exit code is `code` and `ok` accepts its stdout; returns that run. */
const statusWhen = async (what: string, code: number, ok: (stdout: string) => boolean = () => true, ...flags: string[]) => {
  let last = { code: null as number | null, stdout: '', stderr: '' };
  await waitFor(
    () => `${what}; the last status (exit ${String(last.code)}): ${last.stdout}${last.stderr}`,
    async () => {
      last = await status(...flags);
      return last.code === code && ok(last.stdout);
    },
    20_000,
  );
  return last;
};

const promtool = spawnSync('promtool', ['--version']).status === 0;

describe('rxdaemon status as a probe: a header, and exit codes as systemctl status has them', () => {
  it('the header names the manager (pid, uptime, config); exit 1 while a service crash-loops, 0 once it is stopped on request (web running, the one-shot done)', async () => {
    const { manager, config } = manage();
    const table = await statusWhen('crashy waiting, migrate completed, web running', 1, (out) => /^crashy +waiting/m.test(out) && /^migrate +completed/m.test(out) && /^web +running/m.test(out));
    const [header, titles] = table.stdout.split('\n');
    expect(header).toMatch(new RegExp(`^manager ${manager.pid} · up \\d+s · ${config.replaceAll('.', '\\.')}$`));
    expect(titles).toMatch(/^ID +STATE +PID/);
    expect(table.stderr).toBe('');
    // --json: the daemons alone on stdout, the same exit code.
    const json = await status('--json');
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('');
    expect(json.stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(['web', 'migrate', 'crashy']);

    expect((await rxToEnd('stop', 'crashy', '--data-dir', data())).code).toBe(0);
    const stopped = await status();
    expect(stopped.stdout).toMatch(/^crashy +stopped/m);
    expect(stopped.code).toBe(0);
  });

  it('with no manager: exit 3, the header says so, and the table comes from the records (a process left by --keep-on-exit)', async () => {
    const { manager } = manage({ web: SERVICES.web }, '--keep-on-exit');
    const running = await statusWhen('web running', 0, (out) => /^web +running/m.test(out));
    const pid = runs.sandbox().own(Number(/^web +running +(\d+)/m.exec(running.stdout)?.[1]));
    await interrupt(manager);

    const records = await status();
    expect(records.code).toBe(3);
    expect(records.stdout).toMatch(new RegExp(`^no manager runs \\(data dir ${data()}\\) · from its records: no CPU, restarts or last exit\\nID .*\\nweb +alive +${pid} `));
    const json = await status('--json');
    expect(json.code).toBe(3);
    expect(json.stderr).toBe(`rxdaemon: no manager runs (data dir ${data()}) · from its records: no CPU, restarts or last exit\n`);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: 'web', status: 'alive', pid });
  });
});

describe('rxdaemon status --watch', () => {
  it('piped: one whole table a second, each with its header, no escape sequence; SIGINT ends it with exit 0', async () => {
    const { manager } = manage({ web: SERVICES.web });
    await statusWhen('web running', 0, (out) => /^web +running/m.test(out));
    const watching = rx('status', '--watch', '--data-dir', data());
    const frames = (): string[] => watching.stdout.split(/^(?=manager )/m).filter((frame) => frame !== '');
    await waitFor(() => `two frames; printed: ${watching.stdout}`, () => frames().length >= 3, 10_000);
    for (const frame of frames().slice(0, 2)) expect(frame).toMatch(new RegExp(`^manager ${manager.pid} · up \\d+s · .*\\nID +STATE.*\\nweb +running +\\d+ .*\\n\\n$`));
    expect(watching.stdout).not.toContain('\u001B');
    await interrupt(watching);
    expect(watching.stderr).toBe('');
  });

  it('does not go with --json or --prometheus: a usage error', async () => {
    const both = await status('--watch', '--json');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^rxdaemon: --json and --watch do not go together\n/);
  });
});

describe('rxdaemon status --prometheus', () => {
  const metrics = async (): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    manage();
    await statusWhen('crashy waiting, web running', 1, (out) => /^crashy +waiting/m.test(out) && /^web +running/m.test(out));
    return status('--prometheus');
  };

  it('the manager’s metrics in the text format, read back by a parser of that format; the exit code of status', async () => {
    const { code, stdout, stderr } = await metrics();
    expect({ code, stderr }).toEqual({ code: 1, stderr: '' });
    const families = new Map(parsePrometheusTextFormat(stdout).map((family) => [family.name, new Map(family.metrics.map((sample) => [sample.labels?.id, Number(sample.value)]))]));
    expect([...families.keys()]).toEqual(['rxdaemon_up', 'rxdaemon_ready', 'rxdaemon_restarts_total', 'rxdaemon_start_time_seconds', 'rxdaemon_cpu_seconds_total', 'rxdaemon_memory_bytes', 'rxdaemon_last_exit_code']);
    expect(Object.fromEntries(families.get('rxdaemon_up') ?? [])).toEqual({ web: 1, migrate: 0, crashy: 0 });
    expect(Object.fromEntries(families.get('rxdaemon_ready') ?? [])).toEqual({ web: 1, migrate: 0, crashy: 0 });
    expect(families.get('rxdaemon_restarts_total')?.get('crashy')).toBeGreaterThanOrEqual(1);
    expect(Math.abs((families.get('rxdaemon_start_time_seconds')?.get('web') ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    expect(families.get('rxdaemon_memory_bytes')?.get('web')).toBeGreaterThan(100_000);
    expect(families.get('rxdaemon_cpu_seconds_total')?.get('web')).toBeGreaterThanOrEqual(0);
    expect(Object.fromEntries(families.get('rxdaemon_last_exit_code') ?? [])).toEqual({ migrate: 0, crashy: 3 });
  });

  it.skipIf(!promtool)('passes `promtool check metrics` (skipped where promtool is not installed: apt-get install prometheus)', async () => {
    const { stdout } = await metrics();
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: stdout, encoding: 'utf8' });
    expect({ status: checked.status, problems: `${checked.stdout}${checked.stderr}` }).toEqual({ status: 0, problems: '' });
  });

  it('with no manager: every family declared, no sample (no manager knows a state), exit 3', async () => {
    const { code, stdout, stderr } = await rxToEnd('status', '--prometheus', '--data-dir', runs.sandbox().dir);
    expect(code).toBe(3);
    expect(stderr).toMatch(/^rxdaemon: no manager runs/);
    expect(parsePrometheusTextFormat(stdout).flatMap((family) => family.metrics)).toEqual([]);
  });
});
