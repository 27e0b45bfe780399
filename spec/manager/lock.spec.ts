import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, lockHolder, type DataDirLock } from '../../lib/manager/lock.js';
import type { ProcessProbe } from '../../lib/process/processes.js';
import { readProcStat } from '../../lib/process/proc-stat.js';
import { FakeProcesses } from '../../lib/testing/fake-processes.js';

let dir: string;
let lock: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxdaemon-lock-'));
  lock = join(dir, 'lock');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const generation = (n: number | 'top'): string => join(`${lock}.d`, String(n));
const read = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const held = (result: Either<string, DataDirLock>): DataDirLock => {
  if (isLeft(result)) throw new Error(`expected the lock, got: ${result.left}`);
  return result.right;
};
const inUse = (pid: number): string => `the data dir is in use by a running manager (pid ${pid}); stop it first, or use another --data-dir`;

/** Processes that exist only here, at pids no real process has (above pid_max), so a manager's own start time reads as none. */
const world = () => new FakeProcesses({}, { firstPid: 5_000_000 });

/** The processes seen by a manager running as `pid` in a fake world; `onProbe` runs while it looks at the owner it found, which is where a rival can overtake it. */
class ManagerProcesses extends FakeProcesses {
  onProbe: () => void = () => undefined;
  constructor(
    private readonly world: FakeProcesses,
    pid: number,
  ) {
    super({}, { ownPid: pid });
  }

  override probe(pid: number): ProcessProbe {
    const hook = this.onProbe;
    this.onProbe = () => undefined;
    hook();
    return this.world.probe(pid);
  }
}

describe('the data dir lock (M7)', () => {
  it('is generation 1, private, naming its owner; release marks it released and the next manager succeeds it, deleting what is below', () => {
    const driver = new FakeProcesses({}, { ownPid: process.pid });
    const first = held(acquireLock(lock, driver));
    const me = { pid: process.pid, startTime: readProcStat(process.pid)?.startTime };
    expect(read(generation(1))).toEqual(me);
    expect(readFileSync(generation('top'), 'utf8')).toBe('1\n');
    expect(statSync(`${lock}.d`).mode & 0o777).toBe(0o700);
    expect(statSync(generation(1)).mode & 0o777).toBe(0o600);
    // Another manager in this very process is refused while the first holds it.
    expect(acquireLock(lock, driver)).toEqual({ _tag: 'Left', left: inUse(process.pid) });

    first.release();
    expect(read(generation(1))).toEqual({ ...me, released: true });
    expect(lockHolder(lock, driver)).toEqual({ _tag: 'Right', right: undefined });
    held(acquireLock(lock, driver));
    expect(readdirSync(`${lock}.d`).sort()).toEqual(['2', 'top']);
    expect(readFileSync(generation('top'), 'utf8')).toBe('2\n');
  });

  it('is refused while its owner lives: a 0.1 manager’s plain lock file, a generation, or a 0.1 lock beside released generations', () => {
    const processes = world();
    const owner = processes.addProcess();
    const record = JSON.stringify({ pid: owner.pid, startTime: owner.startTime });
    const driver = new ManagerProcesses(processes, 4_999_999);

    writeFileSync(lock, record);
    expect(acquireLock(lock, driver)).toEqual({ _tag: 'Left', left: inUse(owner.pid) });
    expect(readFileSync(lock, 'utf8')).toBe(record);

    rmSync(lock);
    writeFileSync(generation(1), record);
    expect(acquireLock(lock, driver)).toEqual({ _tag: 'Left', left: inUse(owner.pid) });

    writeFileSync(generation(1), JSON.stringify({ pid: owner.pid, startTime: owner.startTime, released: true }));
    writeFileSync(lock, record);
    expect(acquireLock(lock, driver)).toEqual({ _tag: 'Left', left: inUse(owner.pid) });
    expect(existsSync(generation(2))).toBe(false);
    expect(lockHolder(lock, driver)).toEqual({ _tag: 'Right', right: undefined });
  });

  it('takes over a dead owner, an owner whose pid was reused, and a corrupt record, in the 0.1 layout and in its own', () => {
    const processes = world();
    const reused = processes.addProcess();
    const driver = new ManagerProcesses(processes, 4_999_999);
    const stale = [JSON.stringify({ pid: 99_999, startTime: '1' }), JSON.stringify({ pid: reused.pid, startTime: 'earlier' }), '{ not json'];
    for (const record of stale) {
      rmSync(`${lock}.d`, { recursive: true, force: true });
      writeFileSync(lock, record);
      held(acquireLock(lock, driver));
      // The 0.1 lock counts as generation 0; the holder deletes it with what is below its own.
      expect(existsSync(lock)).toBe(false);
      expect(read(generation(1))).toEqual({ pid: 4_999_999, startTime: null });
    }
    for (const [n, record] of stale.entries()) {
      writeFileSync(generation('top'), `${n + 1}\n`);
      writeFileSync(generation(n + 1), record);
      held(acquireLock(lock, driver));
      expect(readdirSync(`${lock}.d`).sort()).toEqual([String(n + 2), 'top']);
    }
  });

  it('of two managers that read the same dead owner, the one that links second looks again and is refused', () => {
    const processes = world();
    const a = processes.addProcess();
    const b = processes.addProcess();
    writeFileSync(lock, JSON.stringify({ pid: 99_999, startTime: '1' }));
    const driverA = new ManagerProcesses(processes, a.pid);
    const driverB = new ManagerProcesses(processes, b.pid);
    let lockB: Either<string, DataDirLock> | undefined;
    driverA.onProbe = () => {
      lockB = acquireLock(lock, driverB);
    };
    expect(acquireLock(lock, driverA)).toEqual({ _tag: 'Left', left: inUse(b.pid) });
    expect(lockB !== undefined && isRight(lockB)).toBe(true);
    expect(readdirSync(`${lock}.d`).sort()).toEqual(['1', 'top']);
    expect(read(generation(1))).toMatchObject({ pid: b.pid });
  });

  it('a manager that stalled and links a generation deleted since it looked learns that it lost, and removes its file', () => {
    const processes = world();
    const [a, b, c] = [processes.addProcess(), processes.addProcess(), processes.addProcess()];
    writeFileSync(lock, JSON.stringify({ pid: 99_999, startTime: '1' }));
    const driverA = new ManagerProcesses(processes, a.pid);
    // While A looks at the dead owner, B takes generation 1 and dies, and C takes 2 and deletes 1.
    driverA.onProbe = () => {
      held(acquireLock(lock, new ManagerProcesses(processes, b.pid)));
      processes.end(b.pid, { code: null, signal: 'SIGKILL' });
      held(acquireLock(lock, new ManagerProcesses(processes, c.pid)));
      expect(readdirSync(`${lock}.d`).sort()).toEqual(['2', 'top']);
    };
    // A now creates generation 1 again, which link(2) allows: `top` says it lost.
    expect(acquireLock(lock, driverA)).toEqual({ _tag: 'Left', left: inUse(c.pid) });
    expect(readdirSync(`${lock}.d`).sort()).toEqual(['2', 'top']);
    expect(read(generation(2))).toMatchObject({ pid: c.pid });
  });

  it('follows no symlink: one at 0.1’s draft is left alone; one at a generation, at `top`, at the 0.1 lock or as `lock.d` is refused; no target is touched', () => {
    const driver = new FakeProcesses({}, { ownPid: process.pid });
    const target = join(dir, 'passwd');
    writeFileSync(target, 'root:x:0:0\n', { mode: 0o644 });
    const untouched = () => {
      expect(readFileSync(target, 'utf8')).toBe('root:x:0:0\n');
      expect(statSync(target).mode & 0o777).toBe(0o644);
    };
    // Where 0.1 wrote its draft, through whatever was there.
    symlinkSync(target, `${lock}.${process.pid}`);
    held(acquireLock(lock, driver)).release();
    untouched();
    rmSync(`${lock}.d`, { recursive: true });

    mkdirSync(`${lock}.d`);
    for (const [planted, reason] of [
      [generation(1), `cannot lock the data dir: cannot read ${generation(1)}: it is a symlink`],
      [generation('top'), `cannot lock the data dir: cannot read ${generation('top')}: it is a symlink`],
      [lock, `cannot lock the data dir: cannot read ${lock}: it is a symlink`],
    ] as const) {
      symlinkSync(target, planted);
      expect(acquireLock(lock, driver)).toEqual({ _tag: 'Left', left: reason });
      expect(isLeft(lockHolder(lock, driver))).toBe(true);
      untouched();
      rmSync(planted);
    }
    rmSync(`${lock}.d`, { recursive: true });
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), `${lock}.d`);
    expect(acquireLock(lock, driver)).toEqual({ _tag: 'Left', left: `cannot lock the data dir: ${lock}.d is a symlink, not a directory` });
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual([]);
  });

  it('is refused, saying how to repair it, when the generation `top` names is missing', () => {
    mkdirSync(`${lock}.d`);
    writeFileSync(generation('top'), '3\n');
    const driver = new FakeProcesses({}, { ownPid: process.pid });
    const damage = `${generation(3)} is missing, though ${generation('top')} names it; if no manager runs on this data dir, remove ${lock}.d`;
    expect(acquireLock(lock, driver)).toEqual({ _tag: 'Left', left: `cannot lock the data dir: ${damage}` });
    expect(lockHolder(lock, driver)).toEqual({ _tag: 'Left', left: damage });
  });

  it('tells who holds it, without taking it', () => {
    const processes = world();
    const owner = processes.addProcess();
    const driver = new ManagerProcesses(processes, 4_999_999);
    expect(lockHolder(lock, driver)).toEqual({ _tag: 'Right', right: undefined });
    writeFileSync(lock, JSON.stringify({ pid: owner.pid, startTime: owner.startTime }));
    expect(lockHolder(lock, driver)).toEqual({ _tag: 'Right', right: { pid: owner.pid, alive: true } });
    processes.end(owner.pid, { code: 0, signal: null });
    expect(lockHolder(lock, driver)).toEqual({ _tag: 'Right', right: { pid: owner.pid, alive: false } });
    expect(existsSync(`${lock}.d`)).toBe(false);
  });

  it('is a Left, not a throw, where the lock cannot be written', () => {
    writeFileSync(join(dir, 'file'), '');
    const result = acquireLock(join(dir, 'file', 'lock'), new FakeProcesses({}, { ownPid: process.pid }));
    expect(isLeft(result) && result.left).toMatch(/^cannot lock the data dir: cannot create the directory .*\/file\/lock\.d: not a directory$/);
  });
});
