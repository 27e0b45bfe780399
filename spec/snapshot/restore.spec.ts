import fc from 'fast-check';
import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import { defaultDriver } from '../../lib/process/default-driver.js';
import type { RestoreError } from '../../lib/snapshot/restore-error.js';
import { hashToken } from '../../lib/snapshot/token-hash.js';
import { FakeCgroups } from '../../lib/testing/fake-cgroups.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { testScheduler } from '../helpers/virtual-time.js';

const setup = () => {
  const scheduler = testScheduler();
  const driver = new FakeDriver({}, { scheduler, ownPid: 4242 });
  const live = driver.addProcess();
  const snapshot = {
    version: 1,
    pid: live.pid,
    startTime: live.startTime,
    bootId: 'fake-boot',
    command: 'envoy',
    args: ['-c', 'e.yaml'],
    env: { A: '1' },
    cwd: '/srv',
    id: 'proxy',
  };
  return { scheduler, driver, live, snapshot };
};

const leftOf = (result: Either<RestoreError, Daemon>): RestoreError | undefined => (isLeft(result) ? result.left : undefined);
const restored: Daemon[] = [];
afterEach(() => {
  for (const daemon of restored.splice(0)) daemon.close();
});
const keep = (result: Either<RestoreError, Daemon>) => {
  if (isRight(result)) restored.push(result.right);
  return result;
};

describe('Daemon.restore: hostile input (S8)', () => {
  it.each([
    ['null', null, '(the whole snapshot)'],
    ['a number', 42, '(the whole snapshot)'],
    ['an array', [1, 2], '(the whole snapshot)'],
  ])('refuses %s', (_, input, field) => {
    const { driver } = setup();
    const error = leftOf(Daemon.restore(input, { driver }));
    expect(error).toMatchObject({ code: 'EINVALID', field });
  });

  it.each([
    ['pid', 0],
    ['pid', 1],
    ['pid', -1],
    ['pid', 2 ** 53],
    ['pid', 1.5],
    ['pid', ''],
    ['pid', '-1'],
    ['pid', '1234'],
    ['pid', NaN],
    ['pid', null],
    ['version', 2],
    ['command', ''],
    ['command', 'a\0b'],
    ['args', 'not-an-array'],
    ['args', [1, 2]],
    ['args', Array.from({ length: 5_000 }, () => 'x')],
    ['env', { 'A=B': 'x' }],
    ['env', { A: 1 }],
    ['env', []],
    ['startTime', 'yesterday'],
    ['startTime', 123],
    ['bootId', 7],
    ['tokenHash', 'plain-token'],
    ['cwd', 5],
    ['id', { a: 1 }],
    ['attempt', -1],
    ['attempt', 1.5],
    ['attempt', '3'],
    ['outputStart', 5],
    ['outputStart', [0]],
    ['stopSignal', 'SIGFOO'],
    ['stopSignal', 15],
    ['gracefulStopMs', -1],
    ['gracefulStopMs', 2 ** 31],
    ['gracefulStopMs', '5000'],
    ['killProcessGroup', 'yes'],
    ['cgroup', 'rxd-a1/web'],
    ['cgroup', '/sys/fs/cgroup/rxd-a1/../../etc'],
    ['cgroup', '/sys/fs/cgroup//rxd-a1/web'],
    ['cgroup', '/sys/fs/cgroup/rxd-a1/web/'],
    ['cgroup', '/'],
    ['cgroup', 7],
  ])('answers a bad `%s` (%j) with a Left that names it', (field, value) => {
    const { driver, snapshot } = setup();
    const error = leftOf(Daemon.restore({ ...snapshot, [field]: value }, { driver }));
    expect(error?.code).toBe('EINVALID');
    expect(error?.field).toBe(field);
    expect(error?.message).toContain(`\`${field}\`: expected`);
    expect(driver.signals).toEqual([]);
  });

  it.each([
    ['stdout', -1],
    ['stderr', 2 ** 53],
    ['stderr', '12'],
  ])('names a bad offset of `outputStart.%s` (%j)', (stream, value) => {
    const { driver, snapshot } = setup();
    const error = leftOf(Daemon.restore({ ...snapshot, outputStart: { [stream]: value } }, { driver }));
    expect(error).toMatchObject({ code: 'EINVALID', field: `outputStart.${stream}` });
  });

  it('names a missing field', () => {
    const { driver, snapshot } = setup();
    const withoutCommand: Partial<typeof snapshot> = { ...snapshot };
    delete withoutCommand.command;
    expect(leftOf(Daemon.restore(withoutCommand, { driver }))).toMatchObject({
      code: 'EINVALID',
      field: 'command',
      message: expect.stringContaining('got undefined') as string,
    });
  });

  it('refuses the supervisor’s own pid', () => {
    const { driver, snapshot } = setup();
    expect(leftOf(Daemon.restore({ ...snapshot, pid: 4242 }, { driver }))).toMatchObject({ code: 'EOWNPID', field: 'pid' });
  });

  it('refuses a dead process, a reused pid, and a snapshot from another boot', () => {
    const { driver, snapshot, live } = setup();
    expect(leftOf(Daemon.restore({ ...snapshot, bootId: 'other-boot' }, { driver }))).toMatchObject({ code: 'EBOOT' });
    expect(leftOf(Daemon.restore({ ...snapshot, startTime: '99' }, { driver }))).toMatchObject({ code: 'EPIDREUSED', field: 'startTime' });
    driver.end(live.pid, { code: 0, signal: null });
    expect(leftOf(Daemon.restore(snapshot, { driver }))).toMatchObject({ code: 'EDEAD', field: 'pid' });
    expect(driver.signals).toEqual([]);
  });

  it('refuses a token that does not match the recorded hash, and a missing one', () => {
    const { driver, snapshot, scheduler } = setup();
    const withToken = { ...snapshot, tokenHash: hashToken('right') };
    expect(leftOf(Daemon.restore(withToken, { driver, scheduler, token: 'wrong' }))).toMatchObject({ code: 'ETOKEN' });
    expect(leftOf(Daemon.restore(withToken, { driver, scheduler }))).toMatchObject({ code: 'ETOKEN' });
    expect(leftOf(Daemon.restore(snapshot, { driver, scheduler, token: 'unexpected' }))).toMatchObject({ code: 'ETOKEN' });
    expect(isRight(keep(Daemon.restore(withToken, { driver, scheduler, token: 'right' })))).toBe(true);
  });

  it('never throws on an object whose getters throw', () => {
    const { driver } = setup();
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('boom');
        },
      },
    );
    expect(leftOf(Daemon.restore(hostile, { driver }))?.code).toBe('EINVALID');
  });

  it('restores a good snapshot: adopting the same pid, with the command it records', () => {
    const { driver, snapshot, live, scheduler } = setup();
    const result = keep(Daemon.restore(snapshot, { driver, scheduler }));
    expect(isRight(result)).toBe(true);
    const daemon = isRight(result) ? result.right : undefined;
    const types: string[] = [];
    daemon?.events$.subscribe((event) => types.push(event.type));
    // The adopted process lives on and its poll never ends: flush only the first seconds.
    scheduler.maxFrames = 3_000;
    scheduler.flush();
    expect(types).toEqual(['adopted', 'ready']);
    expect(daemon?.state).toMatchObject({ status: 'running', pid: live.pid, adopted: true });
    expect(daemon?.command).toEqual({ command: 'envoy', args: ['-c', 'e.yaml'], env: { A: '1' }, cwd: '/srv', id: 'proxy' });
    // A snapshot written before runs and stops were recorded: the restored daemon's own adds them (attempt unknown: 0).
    expect(daemon?.snapshot()).toEqual({ ...snapshot, attempt: 0, stopSignal: 'SIGINT', gracefulStopMs: 5_000, killProcessGroup: true });
  });

  it('restores what a snapshot records of the run, and gives it back unchanged in its own snapshot', () => {
    const { driver, snapshot, scheduler } = setup();
    const recorded = { ...snapshot, attempt: 3, outputStart: { stdout: 120, stderr: 0 }, stopSignal: 'SIGTERM', gracefulStopMs: 30_000, killProcessGroup: false };
    const result = keep(Daemon.restore(recorded, { driver, scheduler, stopSignal: 'SIGTERM', gracefulStopMs: 30_000, killProcessGroup: false }));
    const daemon = isRight(result) ? result.right : undefined;
    scheduler.maxFrames = 3_000;
    scheduler.flush();
    expect(daemon?.state).toMatchObject({ status: 'running', attempt: 3 });
    expect(daemon?.snapshot()).toEqual(recorded);
  });

  it('decodes a record with the cgroup its process ran in, and one written before containment without it', () => {
    const { driver, snapshot, scheduler } = setup();
    const cgroup = '/sys/fs/cgroup/system.slice/rxd.service/rxd-a1/proxy';
    expect(isRight(keep(Daemon.restore({ ...snapshot, cgroup }, { driver, scheduler })))).toBe(true);
    expect(isRight(keep(Daemon.restore(snapshot, { driver, scheduler })))).toBe(true);
    expect(leftOf(Daemon.restore({ ...snapshot, cgroup: 'rxd-a1/proxy' }, { driver }))?.message).toContain('`cgroup`: expected an absolute, normalized path of a cgroup');
  });
});

describe('Daemon.snapshot (S7)', () => {
  it('is undefined before start and after stop, and holds the pid, start time and boot otherwise', async () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({}, { scheduler });
    const daemon = new Daemon({ command: 'x', args: ['a'], env: { B: '2' }, id: 'x', token: 'secret' }, { driver, scheduler });
    expect(daemon.snapshot()).toBeUndefined();
    daemon.start();
    scheduler.flush();
    const snapshot = daemon.snapshot();
    expect(snapshot).toMatchObject({ version: 1, pid: 1000, startTime: '0', bootId: 'fake-boot', command: 'x', args: ['a'], env: { B: '2' }, id: 'x' });
    expect(JSON.stringify(snapshot)).not.toContain('secret');
    expect(snapshot?.tokenHash).toMatch(/^hmac-sha256:/);
    expect(daemon.snapshot()).toEqual(snapshot);
    const stopped = daemon.stop();
    scheduler.flush();
    await stopped;
    expect(daemon.snapshot()).toBeUndefined();
  });

  it("holds the cgroup a contained process runs in, spawned (from its started) or adopted (from its adopted), and none outside one", () => {
    const { scheduler, driver: fake, snapshot } = setup();
    const driver = fake.withCgroups(new FakeCgroups(fake.processes));
    const cgroup = '/sys/fs/cgroup/fake.service/rxd-a1/proxy';
    const spawned = new Daemon({ command: 'x', id: 'x' }, { driver, scheduler, cgroup });
    const plain = new Daemon({ command: 'x' }, { driver, scheduler });
    spawned.start();
    plain.start();
    const live = fake.addProcess({ cgroup });
    const adopted = keep(Daemon.restore({ ...snapshot, pid: live.pid, startTime: live.startTime }, { driver, scheduler, cgroup }));
    scheduler.maxFrames = 3_000;
    scheduler.flush();
    expect(spawned.snapshot()?.cgroup).toBe(cgroup);
    expect(isRight(adopted) ? adopted.right.snapshot()?.cgroup : 'refused').toBe(cgroup);
    expect(plain.snapshot()).not.toHaveProperty('cgroup');
    spawned.close();
    plain.close();
  });

  it('a snapshot taken after close still restores, with the token it was made with', () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({}, { scheduler });
    const daemon = new Daemon({ command: 'x', token: 'tok' }, { driver, scheduler });
    daemon.start();
    scheduler.flush();
    daemon.close();
    scheduler.flush();
    const snapshot = daemon.snapshot();
    expect(snapshot?.pid).toBe(1000);
    const again = keep(Daemon.restore(JSON.parse(JSON.stringify(snapshot)), { driver, scheduler, token: 'tok' }));
    expect(isRight(again)).toBe(true);
  });
});

describe('Daemon.restore: properties', () => {
  const anySnapshotLike = fc.record(
    {
      version: fc.oneof(fc.constant(1), fc.anything()),
      pid: fc.oneof(fc.integer({ min: -5, max: 5_000 }), fc.constantFrom(0, 1, -1, 2 ** 53, 1000, 4242), fc.string(), fc.anything()),
      startTime: fc.oneof(fc.constant('0'), fc.string(), fc.constant(null), fc.anything()),
      bootId: fc.oneof(fc.constant('fake-boot'), fc.string(), fc.constant(null)),
      command: fc.oneof(fc.string(), fc.anything()),
      args: fc.oneof(fc.array(fc.string()), fc.anything()),
      env: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.anything()),
      cwd: fc.anything(),
      id: fc.anything(),
      tokenHash: fc.anything(),
    },
    { requiredKeys: [] },
  );

  it('never throws and never sends a signal, whatever it is given', () => {
    fc.assert(
      fc.property(fc.oneof(anySnapshotLike, fc.anything()), fc.option(fc.string(), { nil: undefined }), (input, token) => {
        const { driver } = setup();
        const result = keep(Daemon.restore(input, { driver, token }));
        expect(driver.signals).toEqual([]);
        if (isLeft(result)) expect(result.left.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses every live pid whose start time differs from the recorded one', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,20}$/), (startTime) => {
        const { driver, snapshot, live } = setup();
        fc.pre(startTime !== live.startTime);
        expect(leftOf(Daemon.restore({ ...snapshot, startTime }, { driver }))?.code).toBe('EPIDREUSED');
      }),
    );
  });

  it('with the real driver, looks only with signal 0, and refuses a live process with another start time', () => {
    const kill = vi.spyOn(process, 'kill');
    try {
      const driver = defaultDriver();
      fc.assert(
        fc.property(fc.integer({ min: 2, max: 4_194_304 }), fc.stringMatching(/^\d{1,20}$/), (pid, startTime) => {
          const result = keep(Daemon.restore({ version: 1, pid, startTime, bootId: driver.system.bootId(), command: 'x', args: [], env: {} }, { driver }));
          // Only a pid whose real start time is exactly `startTime` could be adopted; any other is refused.
          if (isRight(result)) expect(driver.processes.probe(pid).startTime).toBe(startTime);
        }),
        { numRuns: 300 },
      );
      // The supervisor's own pid, which certainly lives, recorded with a wrong start time.
      expect(leftOf(Daemon.restore({ version: 1, pid: process.ppid, startTime: '1', bootId: driver.system.bootId(), command: 'x', args: [], env: {} }, { driver }))?.code).toBe('EPIDREUSED');
      expect(kill.mock.calls.every(([, signal]) => signal === 0)).toBe(true);
    } finally {
      kill.mockRestore();
    }
  });
});
