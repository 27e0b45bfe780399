import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { BehaviorSubject, tap, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { Manager } from '../../lib/manager/manager.js';
import { ChildProcesses } from '../../lib/process/child-processes.js';
import { ProcScans } from '../../lib/process/proc-scans.js';
import type { ChildHandle } from '../../lib/process/processes.js';
import type { SpawnSpec } from '../../lib/process/spawn-spec.js';
import { SPAWN_WINDOW_TICKS, type SpawnIntent } from '../../lib/process/spawn-intent.js';
import { useBundle } from '../helpers/bundle.js';
import { cliRuns, nodeProgram, type Cli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { isAlive, waitFor } from '../helpers/real-processes.js';
import { printedEvents, scopeOfDir } from '../helpers/scope.js';

// M8, the hole the scope scan leaves: a daemon that overwrites its own
// environment (nginx, PostgreSQL: setproctitle), or whose environment a
// manager that is not root may not read (a non-dumpable process), does not
// show RXDAEMON_SCOPE in /proc/<pid>/environ. Started by a manager killed
// between the fork and the record, it is found by the intent written just
// before the spawn. The manager is killed exactly there: the manager
// fixture, given DIE_AFTER_FORK_OF, SIGKILLs itself right after the fork.

const programs = useBundle();

const { sandbox, own } = cliRuns();

const NOBODY = 65534;

/** The manager fixture on `dir`/data with `daemons` as its desired set; killed right after forking `dieAfterForkOf` when given. */
const manager = (dir: string, daemons: Record<string, unknown>, options: { dieAfterForkOf?: string; asNobody?: boolean } = {}): Cli => {
  const desired = join(dir, 'desired.json');
  writeFileSync(desired, JSON.stringify(daemons));
  const env = { ...process.env, ...(options.dieAfterForkOf === undefined ? {} : { DIE_AFTER_FORK_OF: options.dieAfterForkOf }) };
  const user = options.asNobody === true ? { uid: NOBODY, gid: NOBODY } : {};
  return own(nodeProgram([programs.manager, join(dir, 'data'), desired, '3000'], dir, { ...user, env }));
};

/** Waits for the fixture to die right after the fork; the pid it forked, owned by the sandbox. */
const forked = async (run: Cli): Promise<number> => {
  expect(await run.exited).toBeNull();
  expect(run.process.signalCode).toBe('SIGKILL');
  const pid = Number(/forked (\d+)/.exec(run.stderr)?.[1]);
  expect(pid).toBeGreaterThan(1);
  return sandbox().own(pid);
};

/** The intent the killed manager left for `id`: its last journal line. */
const lastIntent = (dir: string, id: string): SpawnIntent => {
  const lines = readFileSync(join(dir, 'data', 'journal'), 'utf8').trim().split('\n');
  const last = JSON.parse(lines.at(-1) ?? '{}') as { id?: string; spawning?: SpawnIntent };
  expect(last.id).toBe(id);
  if (last.spawning === undefined) throw new Error(`the last journal line is not an intent: ${lines.at(-1) ?? ''}`);
  return last.spawning;
};

const environOf = (pid: number): string => readFileSync(`/proc/${pid}/environ`, 'latin1');

/** The fields of /proc/<pid>/stat after the name: [0] is field 3 (the state). */
const statFields = (pid: number | string): string[] => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
};
const startTicks = (pid: number): number => Number(statFields(pid)[22 - 3]);

/** Live session leaders whose command line holds `marker`. */
const leadersWith = (marker: string): number[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = statFields(entry);
        const leads = stat[0] !== 'Z' && Number(stat[6 - 3]) === Number(entry);
        return leads && readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(marker) ? [Number(entry)] : [];
      } catch {
        return [];
      }
    });

const event = <T extends ManagerEvent['type']>(run: Cli, type: T, also: (event: Extract<ManagerEvent, { type: T }>) => boolean = () => true) =>
  run.event(type, (seen) => seen.type === type && also(seen as Extract<ManagerEvent, { type: T }>)) as Promise<Extract<ManagerEvent, { type: T }>>;

describe('M8: the intent and the process share one clock', () => {
  it('every process a manager spawns started at most a few ticks after its intent, well inside the window', async () => {
    // A driver that remembers each spawn's intent and the pid the fork gave.
    const pairs: { at: number; pid: number }[] = [];
    let last: SpawnIntent | null = null;
    const driver = {
      system: new (class extends ProcScans {
        override spawnIntent(spec: Pick<SpawnSpec, 'command' | 'cwd' | 'env' | 'dropEnv'>): SpawnIntent | null {
          last = super.spawnIntent(spec);
          return last;
        }
      })(),
      processes: new (class extends ChildProcesses {
        override spawn(spec: SpawnSpec): Observable<ChildHandle> {
          return super.spawn(spec).pipe(tap(({ pid }) => pairs.push({ at: last?.at ?? -1, pid: sandbox().own(pid) })));
        }
      })(),
    };
    const daemons = Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`s${index}`, { command: 'sleep', args: ['1000'] }]));
    const manager = new Manager(new BehaviorSubject(daemons), { driver, dataDir: sandbox().path('data') });
    manager.run();
    await waitFor('20 spawns', () => pairs.length === 20);
    const delays = pairs.map(({ at, pid }) => startTicks(pid) - at);
    await manager.kill();
    console.log(`intent to fork, in ticks (10 ms): ${delays.join(' ')}; the window is ${SPAWN_WINDOW_TICKS}`);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(5);
    }
  });
});

describe('M8: a manager killed between the fork and the record of a process that hides the scope', () => {
  it('a process that drops its environment (same pid, same start time): the next manager stops it and starts exactly one', async () => {
    const marker = `rxdaemon-unrecorded-${process.pid}-${Date.now()}`;
    // sh, then env -i, then sh again: one process, re-exec'd twice, whose environ ends up empty; `sleep; :` keeps a child in its group.
    const web = { command: 'sh', args: ['-c', 'exec env -i sh -c "sleep 1000; :" "$0"', marker] };
    const dir = sandbox().dir;
    const orphan = await forked(manager(dir, { web }, { dieAfterForkOf: 'web' }));
    const intent = lastIntent(dir, 'web');
    expect(intent.command).toBe('sh');
    await waitFor('the orphan to drop its environment', () => environOf(orphan) === '' && readFileSync(`/proc/${orphan}/cmdline`, 'latin1').includes(marker));
    expect(startTicks(orphan) - intent.at).toBeLessThanOrEqual(SPAWN_WINDOW_TICKS);
    expect(leadersWith(marker)).toEqual([orphan]);

    const next = manager(dir, { web });
    expect(await event(next, 'stray')).toMatchObject({ id: 'web', pid: orphan });
    const started = await event(next, 'started', (seen) => seen.id === 'web');
    sandbox().own(started.pid);
    await waitFor('the orphan and its group to be gone, and only the new one to run', () => !isAlive(orphan) && leadersWith(marker).join() === String(started.pid));
    expect(printedEvents(next.stdout).filter((seen) => seen.type === 'started')).toHaveLength(1);
    next.process.kill('SIGINT');
    expect(await next.exited).toBe(0);
    expect(leadersWith(marker)).toEqual([]);
  });
});

/** The status of GET / on the port, or the error code when nothing answers. */
const httpStatus = (port: number): Promise<number | string> =>
  new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/', timeout: 1_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code ?? 'error');
    });
  });

const hasNginx = ((): boolean => {
  try {
    execFileSync('sh', ['-c', 'command -v nginx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(hasNginx)('M8 with the real nginx (issue 8’s reproduction): its master overwrites its environment', () => {
  it('a manager SIGKILLed right after forking nginx: the next one stops the unrecorded nginx and starts one that serves', async () => {
    const port = await freePort();
    const dir = sandbox().dir;
    const conf = sandbox().path('nginx.conf');
    const pidFile = sandbox().path('nginx.pid');
    // Temp paths in the sandbox: nginx's compiled-in ones may not exist or be writable here.
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${sandbox().path(`${kind}-temp`)};`).join(' ');
    writeFileSync(
      conf,
      `daemon off; pid ${pidFile}; error_log ${sandbox().path('error.log')}; events {} ` +
        `http { access_log off; ${temp} server { listen 127.0.0.1:${port}; location / { return 200 "ok\\n"; } } }`,
    );
    const web = { command: 'nginx', args: ['-c', conf, '-p', dir, '-e', sandbox().path('error.log')] };

    const master = await forked(manager(dir, { web }, { dieAfterForkOf: 'web' }));
    expect(lastIntent(dir, 'web').command).toBe('nginx');
    await waitFor('the unrecorded nginx to serve', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(master), 10_000);
    expect(await httpStatus(port)).toBe(200);
    // The tester's reproduction: `grep -c RXDAEMON_SCOPE /proc/<master>/environ` gives 0.
    expect(environOf(master).includes('RXDAEMON_SCOPE')).toBe(false);
    expect(environOf(master).includes(scopeOfDir(join(dir, 'data')))).toBe(false);

    const next = manager(dir, { web });
    expect(await event(next, 'stray')).toMatchObject({ id: 'web', pid: master });
    const started = await event(next, 'started', (seen) => seen.id === 'web');
    sandbox().own(started.pid);
    await waitFor('the new nginx to serve', () => !isAlive(master) && existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(started.pid), 10_000);
    expect(await httpStatus(port)).toBe(200);
    // One nginx master of this config, the supervised one.
    expect(leadersWith(conf)).toEqual([started.pid]);
    next.process.kill('SIGINT');
    expect(await next.exited).toBe(0);
    // The manager's whole run, to its end: the nginx it started ran until the manager stopped it; no crash loop on bind().
    const events = printedEvents(next.stdout);
    expect(events.filter((seen) => seen.type === 'started' || seen.type === 'exited').map((seen) => `${seen.type} ${'pid' in seen ? String(seen.pid) : ''}`)).toEqual([
      `exited ${master}`,
      `started ${started.pid}`,
      `exited ${started.pid}`,
    ]);
    expect(events.findLast((seen) => seen.type === 'exited')).toMatchObject({ requested: true, reason: 'stop' });
    await waitFor('every nginx process of this config to be gone', () => leadersWith(conf).length === 0);
    expect(await httpStatus(port)).toBe('ECONNREFUSED');
  });
});

/** prctl's syscall number, for a perl that makes itself non-dumpable; undefined on an architecture not listed. */
const SYS_PRCTL: Partial<Record<string, number>> = { x64: 157, arm64: 167 };
const PR_SET_DUMPABLE = 4;
const hasPerl = existsSync('/usr/bin/perl');

describe.runIf(hasPerl && SYS_PRCTL[process.arch] !== undefined && process.getuid?.() === 0)('M8 as a user other than root: a non-dumpable daemon', () => {
  it('cannot be told apart: it is reported, its id is held while it runs, and once it is gone a manager starts the id', async () => {
    // Every path the manager (nobody) uses is nobody's; the sandbox is only traversed.
    chmodSync(sandbox().dir, 0o711);
    const dir = sandbox().path('nobody');
    mkdirSync(dir);
    chownSync(dir, NOBODY, NOBODY);
    const web = { command: 'perl', args: ['-e', `syscall(${SYS_PRCTL[process.arch] ?? 0}, ${PR_SET_DUMPABLE}, 0, 0, 0, 0) == 0 or die "prctl: $!"; sleep 1000`] };

    const daemon = await forked(manager(dir, { web }, { dieAfterForkOf: 'web', asNobody: true }));
    expect(lastIntent(dir, 'web').command).toBe('perl');
    // A non-dumpable process's /proc entries belong to root: its environ and exe are closed to nobody.
    await waitFor('the daemon to make itself non-dumpable', () => statSync(`/proc/${daemon}/environ`).uid === 0);

    const next = manager(dir, { web }, { asNobody: true });
    const skipped = await event(next, 'restore-skipped', (seen) => seen.id === 'web');
    expect(skipped.code).toBe('EHIDDEN');
    expect(skipped.message).toMatch(new RegExp(`^process ${daemon}, started \\d+\\.\\d\\d s after a spawn of perl that a killed manager never recorded, may be that spawn's`));
    await event(next, 'invalid-entry', (seen) => seen.id === 'web' && seen.message.startsWith('not started: '));
    expect(printedEvents(next.stdout).filter((seen) => seen.type === 'stray' || seen.type === 'spawning')).toEqual([]);
    next.process.kill('SIGINT');
    expect(await next.exited).toBe(0);
    expect(isAlive(daemon)).toBe(true);

    // While it still runs, the next manager holds the id too (the intent was kept); once it is gone, one starts it.
    const again = manager(dir, { web }, { asNobody: true });
    await event(again, 'restore-skipped', (seen) => seen.id === 'web');
    again.process.kill('SIGINT');
    expect(await again.exited).toBe(0);
    process.kill(daemon, 'SIGKILL');
    await waitFor('the daemon to be gone', () => !isAlive(daemon));
    const last = manager(dir, { web }, { asNobody: true });
    sandbox().own((await event(last, 'started', (seen) => seen.id === 'web')).pid);
    expect(printedEvents(last.stdout).filter((seen) => seen.type === 'restore-skipped' || seen.type === 'stray')).toEqual([]);
    last.process.kill('SIGINT');
    expect(await last.exited).toBe(0);
  });
});
