import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, map, of, take, timer } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { supervise } from '../../lib/daemon/supervise.js';
import { manage } from '../../lib/manager/manage.js';
import { noCgroups } from '../../lib/process/cgroups.js';
import { driverOf } from '../../lib/options.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { defaultDriver } from '../../lib/process/default-driver.js';
import { FakeClock } from '../../lib/testing/fake-clock.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { FakeFiles } from '../../lib/testing/fake-files.js';
import { FakeProcesses } from '../../lib/testing/fake-processes.js';
import { FakeSystem } from '../../lib/testing/fake-system.js';
import { inVirtualTime, testScheduler } from '../helpers/virtual-time.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxdaemon-parts-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('a driver given in part: each seam left out is the OS’s', () => {
  it('fake processes alone run a crash loop in virtual time', () => {
    const processes = new FakeProcesses({ exitAfterMs: 0, exitCode: 1 });
    testScheduler().run(({ expectObservable }) => {
      const spawns$ = supervise({ command: 'x' }, { driver: { processes } }).pipe(
        filter((event) => event.type === 'spawning'),
        map((event) => event.attempt),
        take(4),
      );
      expectObservable(spawns$).toBe('(abc) 1995ms (d|)', { a: 1, b: 2, c: 3, d: 4 });
    });
    expect(processes.spawns).toHaveLength(4);
    expect([...processes.values()].map(({ pid, alive }) => `${pid}:${alive}`)).toEqual(['1000:false', '1001:false', '1002:false', '1003:false']);
  });

  it('fake processes and fake files: the pid file is written in memory, and never to disk', () => {
    const files = new FakeFiles();
    const pidFile = join(dir, 'x.pid');
    const written: (string | undefined)[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver: { processes: new FakeProcesses(), files }, pidFile, stop$: timer(100) }).subscribe((event) => {
        if (event.type === 'ready') written.push(files.get(pidFile));
      });
    });
    expect(written).toEqual(['1000\n']);
    expect(files.has(pidFile)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('fake processes alone: the OS’s files seam writes their pid file to disk, and removes it at the stop', () => {
    const pidFile = join(dir, 'x.pid');
    const onDisk: string[] = [];
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver: { processes: new FakeProcesses() }, pidFile, stop$: timer(100) }).subscribe((event) => {
        if (event.type === 'ready') onDisk.push(readFileSync(pidFile, 'utf8'));
      });
    });
    expect(onDisk).toEqual(['1000\n']);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('a fake system with a process limit holds a manager’s second service, over fake processes it scans', () => {
    const processes = new FakeProcesses();
    const system = new FakeSystem({ processes, processLimit: 1 });
    const held: string[][] = [];
    inVirtualTime(() => {
      manage(of({ a: { command: 'a' }, b: { command: 'b' } }), { driver: { processes, system }, kill$: timer(1_000) }).subscribe((event) => {
        if (event.type === 'limit-reached') held.push([...event.held]);
      });
    });
    expect(held).toEqual([['b']]);
    expect(processes.spawns.map(({ command }) => command)).toEqual(['a']);
  });

  it('resolves a whole driver to itself, and a part to the OS’s other seams', () => {
    const fake = new FakeDriver();
    expect(driverOf(fake)).toBe(fake);
    expect(driverOf()).toBe(defaultDriver());
    const processes = new FakeProcesses();
    const os = defaultDriver();
    expect(driverOf({ processes })).toEqual({ processes, system: os.system, files: os.files, cgroups: noCgroups });
    expect(driverOf({ files: os.files })).toEqual(os);
  });
});

describe('the fake seams', () => {
  it('FakeDriver is its three parts on one clock: the system’s scans see the processes, at the processes’ time', () => {
    const driver = new FakeDriver({ writes: { stdout: 'hello\n' } });
    const intents: number[] = [];
    const started: (number | null)[] = [];
    inVirtualTime(({ cold }) => {
      supervise({ command: 'x' }, { driver, stdout: { file: '/out' }, stop$: cold('50ms s') }).subscribe();
      cold('20ms t').subscribe(() => intents.push(driver.system.spawnIntent({ command: 'x' }).at));
      // Read in virtual time: past its end the clock is the wall's, which moves between two reads.
      cold('60ms t').subscribe(() => started.push(driver.system.startedAt({ pid: 1000, startTime: '0' }, 500)));
    });
    expect(intents).toEqual([20]);
    expect(driver.processes.get(1000)?.alive).toBe(false);
    // Spawned at 0, looked at 60 ms on: started 60 ms before a "now" of 500.
    expect(started).toEqual([440]);
    // What the script wrote went to the driver's own files.
    expect(driver.files.get('/out')).toBe('hello\n');
    expect(driver.files).toBe(driver.processes.files);
  });

  it('a fake system alone scans no process, and its limit counts none in use', () => {
    const system = new FakeSystem({ processLimit: 2 });
    expect(system.findMarked('RXDAEMON_SCOPE', 'x', 'RXDAEMON_ID')).toEqual([]);
    expect(system.headroom(2)).toBeUndefined();
    expect(system.headroom(3)).toMatchObject({ limit: 'RLIMIT_NPROC', more: 2, inUse: 0, value: 2 });
    expect(system.bootId()).toBe('fake-boot');
  });

  it('a part on its own clock refuses a daemon on another scheduler, naming itself', () => {
    const processes = new FakeProcesses({}, { clock: new FakeClock({ scheduler: testScheduler() }) });
    expect(() => supervise({ command: 'x' }, { driver: { processes }, scheduler: testScheduler(), restart: noRestart })).toThrow(
      /^This FakeClock runs on another scheduler than the daemon's or manager's \(it has the one of the FakeClock's own options\)/,
    );
    const alone = new FakeProcesses();
    alone.useScheduler(testScheduler());
    expect(() => {
      alone.useScheduler(testScheduler());
    }).toThrow(/^This FakeProcesses runs on another scheduler/);
  });
});
