import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DaemonReport } from '../../lib/manager/control-protocol.js';
import { useBundle } from '../helpers/bundle.js';
import { nodeProgram, type Cli } from '../helpers/cli.js';
import { isAlive, sandboxPerTest, waitFor } from '../helpers/real-processes.js';

// rxdaemon status, restart, stop, start and logs against a real manager
// (`rxdaemon manage`), through its control.sock, and without one. The CLI
// is bundled, so each of the many short commands here starts in ~0.1 s,
// and so that `nobody` can run it.

const programs = useBundle();
const NOBODY = 65534;

const sandbox = sandboxPerTest();
let home: string;
beforeEach(() => {
  home = sandbox().path('home');
});

/** Ends a program at cleanup as a user would: SIGINT (a manager stops its services), then SIGKILL if it has not ended 5 s later. */
const endGently = async (run: Cli): Promise<void> => {
  if (run.process.exitCode === null && run.process.signalCode === null) run.process.kill('SIGINT');
  // A bound, not a wait for anything: a program that ignores the SIGINT must not hang the cleanup.
  await Promise.race([run.exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  if (run.process.exitCode === null && run.process.signalCode === null) run.process.kill('SIGKILL');
};

/** `rxdaemon ARGS…` with the data dir given by RXDAEMON_HOME only (the default data dir), as `user` when given. */
const rx = (args: readonly string[], user?: number): Cli => {
  const run = nodeProgram([programs.cli, ...args], user === undefined ? sandbox().dir : '/', {
    env: { ...process.env, RXDAEMON_HOME: home, NO_COLOR: '1' },
    ...(user === undefined ? {} : { uid: user, gid: user }),
  });
  sandbox().own(run.pid);
  sandbox().defer(() => endGently(run));
  return run;
};
const rxToEnd = async (args: readonly string[], user?: number): Promise<{ code: number | null; stdout: string; stderr: string }> => {
  const run = rx(args, user);
  const code = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
};

/** A shell loop printing `<name> <n>` to stdout every 50 ms, and `<name> err <n>` to stderr. */
const ticker = (name: string) => ({ command: 'sh', args: ['-c', `i=0; while :; do i=$((i+1)); echo "${name} $i"; echo "${name} err $i" >&2; sleep 0.05; done`] });

const SERVICES = {
  web: ticker('web'),
  crashy: { command: 'sh', args: ['-c', 'echo starting; echo "fatal: port 8080 in use" >&2; exit 3'] },
  missing: { command: '/nonexistent/rxdaemon-spec-binary' },
  later: { command: 'sleep', args: ['60'], after: ['missing'] },
};

const manage = (services: Record<string, unknown> = SERVICES, ...flags: string[]): Cli => {
  const config = sandbox().path('services.json');
  writeFileSync(config, JSON.stringify({ daemons: services }));
  return rx(['manage', '--json', '--config', config, ...flags]);
};

/** What `status --json` prints, or undefined when it fails (before the manager has made its data dir, say); exit 1 says some service is not running, which these specs wait for too. */
const statusJson = async (): Promise<DaemonReport[] | undefined> => {
  const { code, stdout } = await rxToEnd(['status', '--json']);
  if (code !== 0 && code !== 1) return undefined;
  const reports = stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as DaemonReport);
  for (const { pid } of reports) if (pid !== null) sandbox().own(pid);
  return reports;
};
const reportOf = async (id: string): Promise<DaemonReport | undefined> => (await statusJson())?.find((report) => report.id === id);

/** Asks `status --json` until it shows what `ok` accepts, and returns those reports by id. */
const statusWhen = async (what: string, ok: (reports: Map<string, DaemonReport>) => boolean, deadlineMs = 15_000): Promise<Map<string, DaemonReport>> => {
  let reports = new Map<string, DaemonReport>();
  await waitFor(
    () => `${what}; the last status: ${JSON.stringify([...reports.values()])}`,
    async () => {
      reports = new Map((await statusJson())?.map((report) => [report.id, report]));
      return ok(reports);
    },
    deadlineMs,
  );
  return reports;
};
const runningPid = async (id: string): Promise<number> => {
  const reports = await statusWhen(`${id} running`, (all) => all.get(id)?.status === 'running');
  return reports.get(id)?.pid ?? -1;
};

describe('rxdaemon manage and status with the default data dir ($RXDAEMON_HOME)', () => {
  it('status lists every configured service: running, crash-looping and failing to spawn with their cause, waiting with what it waits for as its cause', async () => {
    const manager = manage();
    const reports = await statusWhen('crashy waiting after a crash, missing after a failed spawn', (all) => all.get('crashy')?.status === 'waiting' && (all.get('missing')?.restarts ?? 0) >= 1);
    expect([...reports.keys()]).toEqual(['web', 'crashy', 'missing', 'later']);
    const web = reports.get('web');
    expect(Object.keys(web ?? {})).toEqual(['id', 'status', 'pid', 'since', 'uptimeMs', 'restarts', 'lastExit', 'cpuPercent', 'cpuScope', 'rssBytes', 'memoryScope', 'cause']);
    expect(web).toMatchObject({ status: 'running', restarts: 0, lastExit: null, cause: null });
    expect(isAlive(web?.pid ?? -1)).toBe(true);
    expect(web?.rssBytes).toBeGreaterThan(100_000);
    expect(web?.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(Math.abs((web?.since ?? 0) + (web?.uptimeMs ?? 0) - Date.now())).toBeLessThan(5_000);
    expect(reports.get('crashy')).toMatchObject({ pid: null, lastExit: { code: 3, signal: null }, cause: 'exited with code 3: fatal: port 8080 in use' });
    expect(reports.get('missing')).toMatchObject({ status: 'waiting', pid: null, cause: expect.stringMatching(/^spawn failed: .*ENOENT/) as unknown });
    expect(reports.get('later')).toMatchObject({ status: 'idle', pid: null, cause: 'waiting for missing to be ready' });

    const table = await rxToEnd(['status']);
    // 1: crashy, missing and later are not running.
    expect(table.code).toBe(1);
    expect(table.stderr).toBe('');
    const [managerLine, header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(managerLine).toMatch(/^manager \d+ · up \d+s · .*services\.json$/);
    expect(header).toMatch(/^ID +STATE +PID +UPTIME +RESTARTS +LAST EXIT +CPU +MEM +CAUSE$/);
    // Aligned: every row's state begins under STATE.
    const column = header?.indexOf('STATE') ?? -1;
    expect(rows.map((row) => row.slice(column).split(' ')[0])).toEqual(['running', expect.any(String), 'waiting', 'idle']);
    expect(rows.find((row) => row.startsWith('crashy'))).toContain('fatal: port 8080 in use');
    expect(rows.find((row) => row.startsWith('later'))).toContain('waiting for missing to be ready');

    // The manager made the default data dir, private, and its socket 0600.
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(home, 'control.sock')).mode & 0o777).toBe(0o600);
    manager.process.kill('SIGINT');
    expect(await manager.exited).toBe(0);
    expect(existsSync(join(home, 'control.sock'))).toBe(false);
  });

  it('with no manager, status says so in one line and shows the records: alive or not, no CPU', async () => {
    const manager = manage({ web: ticker('web') }, '--keep-on-exit');
    const pid = sandbox().own(await runningPid('web'));
    manager.process.kill('SIGINT');
    expect(await manager.exited).toBe(0);
    expect(isAlive(pid)).toBe(true);

    const { code, stdout, stderr } = await rxToEnd(['status', '--json']);
    expect(code).toBe(3);
    expect(stderr).toBe(`rxdaemon: no manager runs (data dir ${home}) · from its records: no CPU, restarts or last exit\n`);
    const report = JSON.parse(stdout) as DaemonReport;
    expect(report).toMatchObject({ id: 'web', status: 'alive', pid, restarts: null, lastExit: null, cpuPercent: null });
    expect(report.rssBytes).toBeGreaterThan(100_000);
    expect(report.uptimeMs).toBeGreaterThan(0);

    process.kill(pid, 'SIGKILL');
    await waitFor('the daemon to be gone', () => !isAlive(pid));
    const table = await rxToEnd(['status']);
    expect(table.stdout).toMatch(new RegExp(`^web +dead +${pid} .*process ${pid} is gone`, 'm'));
  });

  it('a manager SIGKILLed leaves its socket; status finds no manager behind it, and the next manager (the lock holder) replaces it', async () => {
    const first = manage({ web: ticker('web') });
    const pid = sandbox().own(await runningPid('web'));
    first.process.kill('SIGKILL');
    await first.exited;
    expect(lstatSync(join(home, 'control.sock')).isSocket()).toBe(true);
    const orphaned = await rxToEnd(['status']);
    expect(orphaned.code).toBe(3);
    expect(orphaned.stdout).toContain(`no manager runs (data dir ${home})`);
    expect(orphaned.stdout).toMatch(/^web +alive/m);

    const second = manage({ web: ticker('web') });
    await second.event('web adopted', (event) => event.type === 'adopted' && event.id === 'web');
    expect((await reportOf('web'))?.pid).toBe(pid);
  });

  it('a file planted at control.sock is left alone: the manager runs on without a socket, and status says it does not answer', async () => {
    mkdirSync(home, { mode: 0o700 });
    writeFileSync(join(home, 'control.sock'), 'not a socket');
    const manager = manage({ web: ticker('web') });
    const event = await manager.event('control-error', (e) => e.type === 'control-error');
    expect(event).toMatchObject({ error: { code: 'EEXIST' } });
    await manager.event('web started', (e) => e.type === 'started');
    const { code, stdout } = await rxToEnd(['status']);
    // 1: a manager runs, but cannot say how its services are.
    expect(code).toBe(1);
    expect(stdout.split('\n')[0]).toBe(`manager ${manager.pid} does not answer at ${join(home, 'control.sock')} · from its records: no CPU, restarts or last exit`);
    expect(readFileSync(join(home, 'control.sock'), 'utf8')).toBe('not a socket');
  });
});

describe('rxdaemon restart, stop and start <id>, through the running manager', () => {
  it('restart: exit 0 once a new process runs; stop holds it down; start runs it again', async () => {
    manage({ web: ticker('web') });
    const before = await runningPid('web');
    const restarted = await rxToEnd(['restart', 'web']);
    const after = await reportOf('web');
    expect(restarted).toEqual({ code: 0, stdout: `restarted web (pid ${after?.pid ?? '?'})\n`, stderr: '' });
    expect(after).toMatchObject({ restarts: 1, lastExit: { reason: 'restart' } });
    expect(after?.pid).not.toBe(before);
    expect(isAlive(before)).toBe(false);

    expect(await rxToEnd(['stop', 'web'])).toEqual({ code: 0, stdout: 'stopped web\n', stderr: '' });
    expect(isAlive(after?.pid ?? -1)).toBe(false);
    expect((await reportOf('web'))?.status).toBe('stopped');
    // Held down: a restart is refused, saying why.
    expect(await rxToEnd(['restart', 'web'])).toEqual({ code: 1, stdout: '', stderr: 'rxdaemon: cannot restart web: it was stopped on request; start it first\n' });

    const started = await rxToEnd(['start', 'web']);
    expect(started).toEqual({ code: 0, stdout: `started web (pid ${await runningPid('web')})\n`, stderr: '' });
  });

  it('an id the manager has not configured: exit 2, nothing done, said in one line, no usage', async () => {
    const manager = manage({ web: ticker('web') });
    await runningPid('web');
    for (const verb of ['restart', 'stop', 'start']) {
      expect(await rxToEnd([verb, 'nope'])).toEqual({ code: 2, stdout: '', stderr: 'rxdaemon: no service "nope" is configured\n' });
      // With a known one beside it, the known one is left alone too: a typo in a list does nothing by halves.
      expect(await rxToEnd([verb, 'web', 'nope'])).toEqual({ code: 2, stdout: '', stderr: 'rxdaemon: no service "nope" is configured\n' });
    }
    expect(manager.events().filter((event) => event.type === 'control-done' || event.type === 'control-refused')).toEqual([]);
    expect((await reportOf('web'))?.restarts).toBe(0);
  });

  it('no manager: exit 1 saying so; no id: exit 2 with the usage of that command alone', async () => {
    const { code, stdout, stderr } = await rxToEnd(['restart', 'web']);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toBe(`rxdaemon: no manager runs here (nothing listens at ${join(home, 'control.sock')}); start one with rxdaemon manage\n`);
    const usage = await rxToEnd(['stop']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^rxdaemon: stop takes ids, or all\n\nUsage: rxdaemon stop <id…\|all>/);
    expect(usage.stderr).not.toMatch(/rxdaemon (run|manage|logs|status)/);
  });
});

describe('rxdaemon stop, start and restart of several ids, or all', () => {
  it('each id gets its line, in the order given; all is every service the manager has configured; stop all leaves the manager running', async () => {
    const manager = manage({ a: ticker('a'), b: ticker('b'), c: ticker('c') });
    await statusWhen('a, b and c running', (all) => [...all.values()].filter((report) => report.status === 'running').length === 3);
    expect(await rxToEnd(['stop', 'b', 'a'])).toEqual({ code: 0, stdout: 'stopped b\nstopped a\n', stderr: '' });

    // start all leaves the running one alone, and says so.
    const started = await rxToEnd(['start', 'all']);
    const reports = await statusWhen('a, b and c running again', (all) => [...all.values()].filter((report) => report.status === 'running').length === 3);
    const pid = (id: string): number => sandbox().own(reports.get(id)?.pid ?? -1);
    expect(started).toEqual({ code: 0, stdout: `started a (pid ${pid('a')})\nstarted b (pid ${pid('b')})\nc is already running (pid ${pid('c')})\n`, stderr: '' });

    expect(await rxToEnd(['stop', 'all'])).toEqual({ code: 0, stdout: 'stopped a\nstopped b\nstopped c\n', stderr: '' });
    for (const id of ['a', 'b', 'c']) expect(isAlive(pid(id))).toBe(false);
    expect(manager.process.exitCode).toBe(null);
    expect([...(await statusWhen('all stopped', () => true)).values()].map((report) => report.status)).toEqual(['stopped', 'stopped', 'stopped']);
    expect(await rxToEnd(['stop', 'all'])).toEqual({ code: 0, stdout: 'a is already stopped\nb is already stopped\nc is already stopped\n', stderr: '' });
  });

  it('one that fails makes it exit 1: the others are done all the same, each said on its own stream', async () => {
    manage({ a: ticker('a'), b: ticker('b') });
    await statusWhen('a and b running', (all) => all.get('a')?.status === 'running' && all.get('b')?.status === 'running');
    expect(await rxToEnd(['stop', 'b'])).toEqual({ code: 0, stdout: 'stopped b\n', stderr: '' });
    const restarted = await rxToEnd(['restart', 'all']);
    const a = sandbox().own((await reportOf('a'))?.pid ?? -1);
    expect(restarted).toEqual({ code: 1, stdout: `restarted a (pid ${a})\n`, stderr: 'rxdaemon: cannot restart b: it was stopped on request; start it first\n' });
    expect(await reportOf('a')).toMatchObject({ restarts: 1 });
  });
});

/** The signals the signal recorder wrote to `file`, one a line. */
const signalsIn = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n') : []);
const RECORDER = fileURLToPath(new URL('../fixtures/signal-recorder.mjs', import.meta.url));
/** A service of the signal recorder: it writes the signal that stops it to `file`. */
const recorder = (file: string, options: Record<string, unknown> = {}, mode?: 'ignore') => ({ command: process.execPath, args: [RECORDER, file, ...(mode === undefined ? [] : [mode])], ...options });
/** The daemons snapshot.json records. */
const recorded = (): Record<string, unknown> => (JSON.parse(readFileSync(join(home, 'snapshot.json'), 'utf8')) as { daemons: Record<string, unknown> }).daemons;

describe('rxdaemon shutdown', () => {
  it('with a manager: every daemon stopped with its own stop signal, the manager gone, the records emptied; exit 0 once all is gone', async () => {
    const term = sandbox().path('term.signals');
    const manager = manage({ web: ticker('web'), term: recorder(term, { stopSignal: 'SIGTERM' }) });
    const reports = await statusWhen('web and term running', (all) => all.get('web')?.status === 'running' && all.get('term')?.status === 'running');
    const pids = ['web', 'term'].map((id) => sandbox().own(reports.get(id)?.pid ?? -1));

    const shutdown = await rxToEnd(['shutdown']);
    expect(shutdown).toEqual({ code: 0, stdout: `stopped every daemon and the manager (pid ${manager.pid})\n`, stderr: '' });
    // Gone by the time shutdown exits: the manager (a zombie until this process reaps it is gone) and every daemon.
    expect(isAlive(manager.pid)).toBe(false);
    expect(await manager.exited).toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(signalsIn(term)).toEqual(['SIGTERM']);
    expect(recorded()).toEqual({});
    expect(existsSync(join(home, 'control.sock'))).toBe(false);
  });

  it('with no manager (SIGKILLed): each recorded process stopped as its record says (its signal, its grace, then SIGKILL), the records emptied; a second shutdown has nothing to do', async () => {
    const [term, usr2, stubborn] = ['term', 'usr2', 'stubborn'].map((name) => sandbox().path(`${name}.signals`));
    const manager = manage({
      term: recorder(term ?? '', { stopSignal: 'SIGTERM' }),
      usr2: recorder(usr2 ?? '', { stopSignal: 'SIGUSR2' }),
      stubborn: recorder(stubborn ?? '', { stopSignal: 'SIGHUP', gracefulStopMs: 300 }, 'ignore'),
    });
    const reports = await statusWhen('all three running', (all) => [...all.values()].filter((report) => report.status === 'running').length === 3);
    const pids = [...reports.values()].map((report) => sandbox().own(report.pid ?? -1));
    manager.process.kill('SIGKILL');
    await manager.exited;
    for (const pid of pids) expect(isAlive(pid)).toBe(true);

    const shutdown = await rxToEnd(['shutdown']);
    expect(shutdown.code).toBe(0);
    expect(shutdown.stderr).toBe('');
    expect(shutdown.stdout).toMatch(new RegExp(`\\[stubborn\\] +sent SIGKILL to pid ${reports.get('stubborn')?.pid ?? '?'}`));
    expect(shutdown.stdout.trimEnd().split('\n').at(-1)).toBe(`stopped every process the records of ${home} held; no manager runs there`);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect([signalsIn(term ?? ''), signalsIn(usr2 ?? ''), signalsIn(stubborn ?? '')]).toEqual([['SIGTERM'], ['SIGUSR2'], ['SIGHUP']]);
    expect(recorded()).toEqual({});

    expect(await rxToEnd(['shutdown'])).toEqual({ code: 0, stdout: `nothing to stop: no manager runs on ${home}, and its records hold no live process\n`, stderr: '' });
  });

  it('with no manager: a record whose pid is now another process is reported, never signalled, and dropped', async () => {
    // Process groups: in its service's cgroup, the process would be the scope's whatever its record says, and ended with it.
    const manager = manage({ web: ticker('web') }, '--keep-on-exit', '--containment', 'process-group');
    const pid = sandbox().own(await runningPid('web'));
    manager.process.kill('SIGINT');
    expect(await manager.exited).toBe(0);
    // The record now names the pid with another start time: as if web had died and its pid gone to this process.
    const snapshot = JSON.parse(readFileSync(join(home, 'snapshot.json'), 'utf8')) as { daemons: Record<string, { startTime: string }> };
    const web = snapshot.daemons.web;
    if (web === undefined) throw new Error('web is not recorded');
    web.startTime = '1';
    writeFileSync(join(home, 'snapshot.json'), JSON.stringify(snapshot));

    const shutdown = await rxToEnd(['shutdown']);
    expect(shutdown.code).toBe(0);
    expect(shutdown.stdout).toContain(`not restoring web: pid ${pid} now belongs to another process`);
    expect(shutdown.stdout).not.toMatch(/sent SIG/);
    expect(isAlive(pid)).toBe(true);
    expect(recorded()).toEqual({});
  });
});

describe('rxdaemon start, restart and stop say what they did or found; start and restart revive a service that ended', () => {
  /** The attempts of `id`'s spawns, as the manager printed them. */
  const attempts = (manager: Cli, id: string): number[] => manager.events().flatMap((event) => (event.type === 'spawning' && event.id === id ? [event.attempt] : []));
  /** The pid a `started`/`restarted` line names. */
  const pidIn = (line: string): number => sandbox().own(Number(/\(pid (\d+)\)$/.exec(line.trimEnd())?.[1] ?? -1));
  // Exits 3 with a line on stderr; at most 1 restart a minute: it gives up at its second exit.
  const crashing = { command: 'sh', args: ['-c', 'echo "fatal: no config" >&2; exit 3'], restart: { maxRestarts: 1, withinMs: 60_000 } };
  const GAVE_UP = 'gave up after 1 restart in 60 s; last: exited with code 3: fatal: no config';

  it('start revives a service that gave up, as a new run from attempt 1, its restarts counted on; a start of one that runs says so, exit 0', async () => {
    const runs = sandbox().path('runs');
    // Fails twice, then runs: its first life gives up; the run that start brings is its third.
    const flaky = { ...crashing, args: ['-c', `n=$(cat ${runs} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${runs}; [ $n -gt 2 ] && exec sleep 60; echo "run $n: cannot start" >&2; exit 3`] };
    const manager = manage({ flaky, web: ticker('web') });
    const ended = await statusWhen('flaky to give up', (all) => all.get('flaky')?.status === 'gave-up' && all.get('web')?.status === 'running');
    expect(ended.get('flaky')).toMatchObject({ pid: null, restarts: 1, cause: 'gave up after 1 restart in 60 s; last: exited with code 3: run 2: cannot start' });

    const started = await rxToEnd(['start', 'flaky']);
    expect(started).toMatchObject({ code: 0, stdout: expect.stringMatching(/^started flaky \(pid \d+\)\n$/) as unknown, stderr: '' });
    const pid = pidIn(started.stdout);
    expect(isAlive(pid)).toBe(true);
    expect(attempts(manager, 'flaky')).toEqual([1, 2, 1]);
    expect(await runningPid('flaky')).toBe(pid);
    expect(await reportOf('flaky')).toMatchObject({ status: 'running', restarts: 2, cause: null });

    const web = await runningPid('web');
    expect(await rxToEnd(['start', 'web'])).toEqual({ code: 0, stdout: `web is already running (pid ${web})\n`, stderr: '' });
    expect(await rxToEnd(['start', 'flaky'])).toEqual({ code: 0, stdout: `flaky is already running (pid ${pid})\n`, stderr: '' });
    expect(attempts(manager, 'flaky')).toEqual([1, 2, 1]);
    expect(attempts(manager, 'web')).toEqual([1]);
  });

  it('restart revives a service that gave up; a stop finds it stopped, and one stopped already, exit 0; restarts are never reset', async () => {
    const manager = manage({ crashing, web: ticker('web') });
    await statusWhen('crashing to give up', (all) => all.get('crashing')?.status === 'gave-up');
    const restarted = await rxToEnd(['restart', 'crashing']);
    expect(restarted).toMatchObject({ code: 0, stdout: expect.stringMatching(/^restarted crashing \(pid \d+\)\n$/) as unknown, stderr: '' });
    pidIn(restarted.stdout);
    // Its new life gives up as the first did: from attempt 1, and after one restart of its own.
    const again = await statusWhen('crashing to give up again', (all) => all.get('crashing')?.status === 'gave-up' && attempts(manager, 'crashing').length === 4);
    expect(attempts(manager, 'crashing')).toEqual([1, 2, 1, 2]);
    expect(again.get('crashing')).toMatchObject({ restarts: 3, cause: GAVE_UP });

    expect(await rxToEnd(['stop', 'crashing'])).toEqual({ code: 0, stdout: `crashing is already stopped (${GAVE_UP})\n`, stderr: '' });
    await runningPid('web');
    expect(await rxToEnd(['stop', 'web'])).toEqual({ code: 0, stdout: 'stopped web\n', stderr: '' });
    expect(await rxToEnd(['stop', 'web'])).toEqual({ code: 0, stdout: 'web is already stopped\n', stderr: '' });
    expect(await reportOf('web')).toMatchObject({ status: 'stopped', cause: 'stopped on request' });
    const started = await rxToEnd(['start', 'web']);
    expect(started.stdout).toBe(`started web (pid ${pidIn(started.stdout)})\n`);
    expect(await reportOf('web')).toMatchObject({ restarts: 1 });
  });
});

describe('rxdaemon logs', () => {
  const numbers = (text: string, prefix: string): number[] =>
    text
      .split('\n')
      .filter((line) => line.startsWith(prefix))
      .map((line) => Number(line.slice(prefix.length)));
  const linesOf = (text: string): string[] => text.trimEnd().split('\n');

  it('one log alone (an id and --stdout or --stderr) as written; several ids, or both streams, merged: N lines in all, each behind its id, aligned, and its stream’s mark', async () => {
    manage({ web: ticker('web'), a: ticker('a'), own: { ...ticker('own'), stdout: { file: 'own.log' } } });
    await runningPid('web');
    await waitFor('web to print 10 lines', () => (readFileSync(join(home, 'logs', 'web-stdout.log'), 'utf8').match(/\n/g)?.length ?? 0) >= 10);

    const last = await rxToEnd(['logs', 'web', '--stdout', '-n', '3']);
    expect(last.code).toBe(0);
    const shown = numbers(last.stdout, 'web ');
    expect(shown).toHaveLength(3);
    expect(shown[2]).toBe((shown[0] ?? 0) + 2);

    const stderr = await rxToEnd(['logs', '--stderr', 'web', '-n', '1']);
    expect(stderr.stdout).toMatch(/^web err \d+\n$/);

    // A service's file of its own: the manager says where it is.
    expect((await rxToEnd(['logs', 'own', '--stdout', '-n', '1'])).stdout).toMatch(/^own \d+\n$/);

    const both = await rxToEnd(['logs', 'web', 'a', '--stdout', '-n', '4']);
    expect(both.code).toBe(0);
    expect(linesOf(both.stdout)).toEqual([
      expect.stringMatching(/^\[(web\]|a\] {2}) \| (web|a) \d+$/),
      expect.stringMatching(/^\[(web\]|a\] {2}) \| (web|a) \d+$/),
      expect.stringMatching(/^\[(web\]|a\] {2}) \| (web|a) \d+$/),
      expect.stringMatching(/^\[(web\]|a\] {2}) \| (web|a) \d+$/),
    ]);

    // Both streams, 40 lines in all, shared between the two logs: each log's in its order, the one written last, last.
    const merged = linesOf((await rxToEnd(['logs', 'web', '-n', '40'])).stdout);
    expect(merged).toHaveLength(40);
    const logs = [merged.slice(0, 20), merged.slice(20)];
    expect(logs.map((lines) => lines.map((line) => line.slice(0, 8)))).toEqual(expect.arrayContaining([Array(20).fill('[web] | '), Array(20).fill('[web] ! ')]));
    for (const lines of logs) {
      const shownNumbers = lines.map((line) => Number(/(\d+)$/.exec(line)?.[1]));
      expect(shownNumbers).toEqual(Array.from({ length: 20 }, (_, i) => (shownNumbers[0] ?? 0) + i));
    }

    // Without an id: every configured service, in one column.
    const every = await rxToEnd(['logs', '-n', '300']);
    expect(every.code).toBe(0);
    expect(new Set(linesOf(every.stdout).map((line) => /^\[(\w+)\] +[|!] /.exec(line)?.[1]))).toEqual(new Set(['web', 'a', 'own']));
    expect(linesOf(every.stdout).every((line) => /^(\[web\] |\[a\] {3}|\[own\] )[|!] /.test(line))).toBe(true);
    expect((await rxToEnd(['logs', '--stdout', '--stderr'])).code).toBe(2);
  });

  it('-f follows a running daemon: the last lines, then its new ones as it writes them, in order, none twice', async () => {
    manage({ web: ticker('web') });
    await runningPid('web');
    const follow = rx(['logs', '-f', 'web', '--stdout', '-n', '2']);
    await waitFor('lines past the first ones', () => numbers(follow.stdout, 'web ').length >= 10, 10_000);
    const seen = numbers(follow.stdout, 'web ');
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => (seen[0] ?? 0) + i));
    follow.process.kill('SIGINT');
    await follow.exited;
  });

  it('-f follows across rotations: every line once, in order, though the manager copies the log to .1 and truncates it', async () => {
    manage({ web: { ...ticker('web'), maxLogBytes: 300 } });
    await runningPid('web');
    const follow = rx(['logs', '-f', 'web', '--stdout', '-n', '1']);
    const log = join(home, 'logs', 'web-stdout.log');
    // Each rotation makes a new .1: two seen, and lines past them.
    const rotations = new Set<number>();
    await waitFor('two rotations', () => {
      const backup = lstatSync(`${log}.1`, { throwIfNoEntry: false });
      if (backup !== undefined) rotations.add(backup.ino);
      return rotations.size >= 2;
    }, 15_000);
    const before = numbers(follow.stdout, 'web ').length;
    await waitFor('lines after them', () => numbers(follow.stdout, 'web ').length >= before + 10, 10_000);
    const seen = numbers(follow.stdout, 'web ');
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => (seen[0] ?? 0) + i));
    follow.process.kill('SIGINT');
    await follow.exited;
  });

  it('-f follows across the manager’s end and a new manager: the lines a service wrote as it was stopped, then the next one’s', async () => {
    // Its last line is written at SIGINT, right before it exits: when the manager's end is at hand.
    const parting = { command: process.execPath, args: ['-e', "console.log('up ' + process.pid); const t = setInterval(() => {}, 1000); process.on('SIGINT', () => { console.log('bye ' + process.pid); clearInterval(t); });"] };
    const manager = manage({ web: parting });
    const pid = sandbox().own(await runningPid('web'));
    const follow = rx(['logs', '-f', 'web', '--stdout']);
    await waitFor('logs -f to follow', () => follow.stdout.includes(`up ${pid}`), 10_000);
    manager.process.kill('SIGINT');
    expect(await manager.exited).toBe(0);
    await waitFor('the last line of the stopped run', () => follow.stdout.includes(`bye ${pid}`), 10_000);
    expect(follow.process.exitCode).toBe(null);
    manage({ web: parting });
    const next = sandbox().own(await runningPid('web'));
    await waitFor('the new manager’s run', () => follow.stdout.includes(`up ${next}`), 10_000);
    expect(follow.stdout).toBe(`up ${pid}\nbye ${pid}\nup ${next}\n`);
    expect(follow.stderr).toBe('');
    follow.process.kill('SIGINT');
    await follow.exited;
  });

  it('a service that never wrote to the log asked for: said so on stderr, through the manager and from the files; exit 0', async () => {
    const manager = manage({ quiet: { command: 'sleep', args: ['60'] } });
    await runningPid('quiet');
    const path = (stream: string): string => join(home, 'logs', `quiet-${stream}.log`);
    const nothing = `rxdaemon: quiet has written nothing to its stdout or stderr yet (${path('stdout')}, ${path('stderr')})\n`;
    expect(await rxToEnd(['logs', 'quiet'])).toEqual({ code: 0, stdout: '', stderr: nothing });
    expect(await rxToEnd(['logs', '--stderr', 'quiet', '-n', '5'])).toEqual({ code: 0, stdout: '', stderr: `rxdaemon: quiet has written nothing to its stderr yet (${path('stderr')})\n` });
    manager.process.kill('SIGINT');
    expect(await manager.exited).toBe(0);
    expect(await rxToEnd(['logs', 'quiet'])).toEqual({ code: 0, stdout: '', stderr: nothing });
  });

  it('reads the files when no manager runs, every service’s without an id; an id with no log, or one the manager does not know, is exit 1, saying so', async () => {
    const manager = manage({ web: ticker('web') });
    await runningPid('web');
    expect(await rxToEnd(['logs', 'wbe'])).toEqual({ code: 1, stdout: '', stderr: 'rxdaemon: no service "wbe" is configured\n' });
    manager.process.kill('SIGINT');
    expect(await manager.exited).toBe(0);
    const written = readFileSync(join(home, 'logs', 'web-stdout.log'), 'utf8').trimEnd().split('\n');
    expect(await rxToEnd(['logs', 'web', '--stdout', '-n', '2'])).toEqual({ code: 0, stdout: `${written.slice(-2).join('\n')}\n`, stderr: '' });
    const every = await rxToEnd(['logs', '-n', '4']);
    expect(every.code).toBe(0);
    expect(linesOf(every.stdout)).toHaveLength(4);
    expect(linesOf(every.stdout).every((line) => /^\[web\] (\| web|! web err) \d+$/.test(line))).toBe(true);
    const typo = await rxToEnd(['logs', 'wbe']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(`there is no ${join(home, 'logs', 'wbe-stdout.log')}`);
    expect((await rxToEnd(['logs', 'web', '-n', 'many'])).code).toBe(2);
  });
});

describe('control.sock: nobody but the owner of the data dir can connect', () => {
  /** Connects to `path` from a one-line node program, as `user` when given, and resolves with what it printed: "connected" or the error code. */
  const connectAs = async (path: string, user?: number): Promise<string> => {
    const program = `require('net').connect(${JSON.stringify(path)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(1); })`;
    const run = nodeProgram(['-e', program], '/', user === undefined ? {} : { uid: user, gid: user });
    sandbox().own(run.pid);
    await run.exited;
    return run.stdout.trim();
  };

  it('another user is refused at connect (EACCES): by the 0700 data dir, and by the 0600 socket even in a dir opened to all', async () => {
    // Only the data dir may keep nobody out: the sandbox above it is opened.
    chmodSync(sandbox().dir, 0o755);
    manage({ web: ticker('web') });
    await runningPid('web');
    const socket = join(home, 'control.sock');
    expect(await connectAs(socket)).toBe('connected');
    expect(await connectAs(socket, NOBODY)).toBe('EACCES');

    const refused = await rxToEnd(['restart', 'web', '--data-dir', home], NOBODY);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`rxdaemon: cannot reach the manager at ${socket}: permission denied (only the owner of its data dir may)\n`);

    // The dir opened by mistake: the socket's own mode still keeps nobody out (connect needs write permission on it) …
    chmodSync(home, 0o711);
    expect(await connectAs(socket, NOBODY)).toBe('EACCES');
    // … and it is that mode that does: a socket open to all would let nobody in.
    chmodSync(socket, 0o666);
    expect(await connectAs(socket, NOBODY)).toBe('connected');
    chmodSync(socket, 0o600);
    chmodSync(home, 0o700);
    expect((await reportOf('web'))?.restarts).toBe(0);
  });
});
