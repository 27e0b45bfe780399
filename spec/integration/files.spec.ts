import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, constants, existsSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { BehaviorSubject, type Observable } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { cliRuns } from '../helpers/cli.js';
import { runManager, type RealManager } from '../helpers/real-manager.js';
import { child, is, nextEvent, readIfThere, waitFor } from '../helpers/real-processes.js';

// Finding 5 and 6 of issue 8, on the product: whatever is planted where
// rxdaemon writes (a symlink to /etc/passwd, a FIFO, a hard link, another
// user's file), nothing is written through it, and a data dir is private
// before it is used. The stand-in for /etc/passwd is a file in the sandbox.

const NOBODY = 65_534;
const PASSWD = 'root:x:0:0:root:/root:/bin/bash\n';

const { sandbox, start } = cliRuns();
let passwd: string;
beforeEach(() => {
  passwd = sandbox().path('passwd');
  writeFileSync(passwd, PASSWD);
  chmodSync(passwd, 0o644);
});

const expectUntouched = (): void => {
  expect(readFileSync(passwd, 'utf8')).toBe(PASSWD);
  expect(statSync(passwd).mode & 0o777).toBe(0o644);
};
const plant = (path: string): string => {
  symlinkSync(passwd, path);
  return path;
};
const mode = (path: string): number => statSync(path).mode & 0o777;

/** Starts a manager on `data` in the sandbox, with short timings. */
const startManager = (desired$: Observable<DesiredSet>): RealManager => runManager(sandbox(), desired$, { quietMs: 20, maxWaitMs: 200, snapshotIntervalMs: 20 });
const eventOf =
  <K extends ManagerEvent['type']>(type: K, id?: string) =>
  (event: ManagerEvent): event is Extract<ManagerEvent, { type: K }> =>
    event.type === type && (id === undefined || ('id' in event && event.id === id));

describe('the files a daemon writes', () => {
  it('replaces a symlink planted at its pid file, never writing through it, and removes a link there on stop', async () => {
    const pidFile = plant(sandbox().path('web.pid'));
    const daemon = new Daemon(child(), { pidFile });
    const events$ = sandbox().track(daemon);
    daemon.start();
    const { pid } = await nextEvent(events$, is('started'));
    await waitFor('the pid file', () => readIfThere(pidFile) === `${pid}\n`);
    expect(lstatSync(pidFile).isFile()).toBe(true);
    expect(mode(pidFile)).toBe(0o600);
    expectUntouched();

    rmSync(pidFile);
    plant(pidFile);
    await daemon.stop();
    expect(lstatSync(pidFile, { throwIfNoEntry: false })).toBeUndefined();
    expectUntouched();
  });

  it('refuses a log that is a symlink, a FIFO, a second hard link or another user’s file: the child never starts', async () => {
    const fifo = sandbox().path('fifo.log');
    execFileSync('mkfifo', [fifo]);
    // Someone reads the FIFO, so opening it would not even block: it is refused for what it is.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    writeFileSync(sandbox().path('shadow'), 'secret\n', { mode: 0o600 });
    linkSync(sandbox().path('shadow'), sandbox().path('linked.log'));
    writeFileSync(sandbox().path('theirs.log'), '');
    chownSync(sandbox().path('theirs.log'), NOBODY, NOBODY);
    const marker = sandbox().path('ran');
    try {
      for (const [stdout, code] of [
        [plant(sandbox().path('out.log')), 'ELOOP'],
        [fifo, 'EINVAL'],
        [sandbox().path('linked.log'), 'EMLINK'],
        [sandbox().path('theirs.log'), 'EPERM'],
      ] as const) {
        const daemon = new Daemon(child('--write', marker, '--print', 'written through'), { stdout: { file: stdout } });
        const events$ = sandbox().track(daemon);
        daemon.start();
        const failed = await nextEvent(events$, is('spawn-failed'));
        expect([stdout, failed.error.code]).toEqual([stdout, code]);
        await daemon.stop();
      }
    } finally {
      closeSync(reader);
    }
    expect(existsSync(marker)).toBe(false);
    expectUntouched();
    expect(readFileSync(sandbox().path('shadow'), 'utf8')).toBe('secret\n');
    expect(readFileSync(sandbox().path('theirs.log'), 'utf8')).toBe('');
  });

  it('`rxdaemon run --stdout` at a FIFO nobody reads reports a spawn failure at once rather than hanging', async () => {
    const fifo = sandbox().path('out.log');
    execFileSync('mkfifo', [fifo]);
    const run = start('run', '--json', '--stdout', fifo, '--', 'sleep', '30');
    const failed = await run.event('a spawn failure', (event) => event.type === 'spawn-failed', 5_000);
    expect(failed).toMatchObject({ error: { code: 'ENXIO' } });
    run.process.kill('SIGTERM');
    expect(await run.exited).not.toBeNull();
  });
});

describe('the files a manager writes', () => {
  it('never follows a symlink planted at pids/<id>.pid, snapshot.json or the 0.1 lock draft', async () => {
    mkdirSync(sandbox().path('data/pids'), { recursive: true, mode: 0o700 });
    plant(sandbox().path('data/pids/a.pid'));
    // Where 0.1 wrote its lock draft (`lock.<pid>`), through whatever was there.
    plant(sandbox().path(`data/lock.${process.pid}`));
    const desired$ = new BehaviorSubject<DesiredSet>({ a: child() });
    const { next } = startManager(desired$);
    const { pid } = await next(eventOf('started', 'a'), 'a to start');
    await waitFor('a’s pid file', () => readIfThere(sandbox().path('data/pids/a.pid')) === `${pid}\n`);
    expect(lstatSync(sandbox().path('data/pids/a.pid')).isFile()).toBe(true);
    await next(eventOf('snapshot-written'), 'the first snapshot');

    rmSync(sandbox().path('data/snapshot.json'));
    plant(sandbox().path('data/snapshot.json'));
    desired$.next({ ...desired$.value, b: child() });
    await next(eventOf('started', 'b'), 'b to start');
    await waitFor('a snapshot with b', () => lstatSync(sandbox().path('data/snapshot.json')).isFile() && (readIfThere(sandbox().path('data/snapshot.json')) ?? '').includes('"b"'));
    expect(mode(sandbox().path('data/snapshot.json'))).toBe(0o600);
    expectUntouched();
  });

  it('sets aside a symlink found at snapshot.json, reading nothing through it', async () => {
    mkdirSync(sandbox().path('data'), { mode: 0o700 });
    const secret = sandbox().path('secret.json');
    writeFileSync(secret, JSON.stringify({ version: 1, daemons: {} }));
    symlinkSync(secret, sandbox().path('data/snapshot.json'));
    const { next } = startManager(new BehaviorSubject<DesiredSet>({}));
    const corrupt = await next(eventOf('snapshot-corrupt'), 'the link set aside');
    expect(corrupt.message).toBe(`cannot read ${sandbox().path('data/snapshot.json')}: it is a symlink`);
    expect(lstatSync(corrupt.movedTo).isSymbolicLink()).toBe(true);
    expect(readFileSync(secret, 'utf8')).toBe(JSON.stringify({ version: 1, daemons: {} }));
  });

  it('refuses to start a daemon whose log under the data dir is a symlink', async () => {
    mkdirSync(sandbox().path('data/logs'), { recursive: true, mode: 0o700 });
    plant(sandbox().path('data/logs/a-stdout.log'));
    const { next } = startManager(new BehaviorSubject<DesiredSet>({ a: child('--print', 'written through') }));
    const failed = await next(eventOf('spawn-failed', 'a'), 'a’s spawn failure');
    expect(failed.error.code).toBe('ELOOP');
    expectUntouched();
  });

  it('is refused, saying why, where the lock’s own files are symlinks; their targets are untouched', async () => {
    mkdirSync(sandbox().path('data/lock.d'), { recursive: true, mode: 0o700 });
    plant(sandbox().path('data/lock.d/top'));
    const { manager } = startManager(new BehaviorSubject<DesiredSet>({ a: child() }));
    expect(await manager.ended()).toMatchObject({
      type: 'manager-refused',
      code: 'ELOCKED',
      message: `cannot lock the data dir: cannot read ${sandbox().path('data/lock.d/top')}: it is a symlink`,
    });
    rmSync(sandbox().path('data/lock.d/top'));
    plant(sandbox().path('data/lock.d/1'));
    const second = startManager(new BehaviorSubject<DesiredSet>({ a: child() }));
    expect(await second.manager.ended()).toMatchObject({ type: 'manager-refused', code: 'ELOCKED', message: expect.stringContaining('it is a symlink') as unknown });
    expectUntouched();
  });
});

describe('the data dir (finding 6)', () => {
  it('is made private when it is 0777, with logs/ and pids/, before the manager uses it', async () => {
    for (const dir of ['data', 'data/logs', 'data/pids']) {
      mkdirSync(sandbox().path(dir), { recursive: true });
      chmodSync(sandbox().path(dir), 0o777);
    }
    const { next } = startManager(new BehaviorSubject<DesiredSet>({ a: child() }));
    await next(eventOf('started', 'a'), 'a to start');
    expect(['data', 'data/logs', 'data/pids'].map((dir) => [dir, mode(sandbox().path(dir))])).toEqual([
      ['data', 0o700],
      ['data/logs', 0o700],
      ['data/pids', 0o700],
    ]);
    expect(mode(sandbox().path('data/lock.d'))).toBe(0o700);
  });

  it('is refused with EDATADIR, saying why, when it or a dir in it is another user’s or a symlink; nothing is written there', async () => {
    const uid = process.geteuid?.() ?? -1;
    mkdirSync(sandbox().path('data'));
    chownSync(sandbox().path('data'), NOBODY, NOBODY);
    const refusals: unknown[] = [];
    const refusal = async (): Promise<void> => {
      const { manager } = startManager(new BehaviorSubject<DesiredSet>({ a: child() }));
      refusals.push(await manager.ended());
    };
    await refusal();
    expect(readdirSync(sandbox().path('data'))).toEqual([]);
    rmSync(sandbox().path('data'), { recursive: true });
    mkdirSync(sandbox().path('elsewhere'));
    symlinkSync(sandbox().path('elsewhere'), sandbox().path('data'));
    await refusal();
    rmSync(sandbox().path('data'));
    mkdirSync(sandbox().path('data/logs'), { recursive: true });
    chownSync(sandbox().path('data/logs'), NOBODY, NOBODY);
    await refusal();
    const data = sandbox().path('data');
    expect(refusals).toMatchObject([
      { type: 'manager-refused', code: 'EDATADIR', message: `cannot use the data dir ${data}: ${data} is owned by uid ${NOBODY}, not by you (uid ${uid})` },
      { type: 'manager-refused', code: 'EDATADIR', message: `cannot use the data dir ${data}: ${data} is a symlink, not a directory` },
      { type: 'manager-refused', code: 'EDATADIR', message: `cannot use the data dir ${data}: ${data}/logs is owned by uid ${NOBODY}, not by you (uid ${uid})` },
    ]);
    expect(readdirSync(sandbox().path('elsewhere'))).toEqual([]);
    expect(readdirSync(sandbox().path('data')).sort()).toEqual(['logs']);
  });
});
