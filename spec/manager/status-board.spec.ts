import { describe, expect, it } from 'vitest';
import type { DaemonEvent, ExitedEvent } from '../../lib/events.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { StatusBoard } from '../../lib/manager/status-board.js';
import { noCgroups, type Cgroups } from '../../lib/process/cgroups.js';
import type { CgroupUsage } from '../../lib/process/cgroup/usage.js';

// A pid no process has (above Linux's pid_max): /proc tells nothing of it, so times come from the events.
const PID = 4_194_305;
const exited = (at: number, fields: Partial<ExitedEvent> = {}): ManagerEvent => ({
  type: 'exited',
  at,
  id: 'web',
  pid: PID,
  code: 3,
  signal: null,
  adopted: false,
  attempt: 1,
  runMs: 10,
  requested: false,
  tail: [],
  ...fields,
});
const ev = (event: DaemonEvent): ManagerEvent => ({ id: 'web', ...event });
const boardOf = (...events: ManagerEvent[]): StatusBoard => {
  const board = new StatusBoard();
  for (const event of events) board.see(event);
  return board;
};
const only = (board: StatusBoard, now = 5_000, configured: string[] = ['web']) => board.report(configured, now).find((report) => report.id === 'web');

describe('StatusBoard: every configured daemon, its state, and why it is not running', () => {
  it('a running daemon: pid, since, uptime, no cause', () => {
    const board = boardOf(ev({ type: 'spawning', at: 1_000, attempt: 1 }), ev({ type: 'started', at: 1_000, pid: PID, attempt: 1 }), ev({ type: 'ready', at: 1_200, pid: PID, afterMs: 200 }));
    expect(only(board)).toEqual({ id: 'web', status: 'running', pid: PID, since: 1_000, uptimeMs: 4_000, restarts: 0, lastExit: null, cpuPercent: null, cpuScope: null, rssBytes: null, memoryScope: null, cause: null });
  });

  it('a crash loop: waiting, its restarts, the last exit, and the last line of the crash report as the cause', () => {
    const board = boardOf(
      ev({ type: 'spawning', at: 1_000, attempt: 1 }),
      ev({ type: 'started', at: 1_000, pid: PID, attempt: 1 }),
      exited(1_010, { tail: ['starting', 'Error: EADDRINUSE :8080'] }),
      ev({ type: 'spawning', at: 1_010, attempt: 2 }),
      ev({ type: 'started', at: 1_010, pid: PID, attempt: 2 }),
      exited(1_020, { code: null, signal: 'SIGSEGV' }),
      ev({ type: 'backoff', at: 1_020, attempt: 3, delayMs: 2_000 }),
    );
    expect(only(board)).toMatchObject({ status: 'waiting', pid: null, uptimeMs: null, restarts: 1, lastExit: { code: null, signal: 'SIGSEGV', at: 1_020 }, cause: 'killed by SIGSEGV' });
    board.see(exited(1_030, { tail: ['Error: EADDRINUSE :8080'] }));
    expect(only(board)?.cause).toBe('exited with code 3: Error: EADDRINUSE :8080');
  });

  it('a daemon that fails to spawn: the spawn error', () => {
    const board = boardOf(ev({ type: 'spawning', at: 1_000, attempt: 1 }), ev({ type: 'spawn-failed', at: 1_000, attempt: 1, error: { code: 'ENOENT', message: 'spawn /opt/app ENOENT' } }));
    expect(only(board)).toMatchObject({ status: 'waiting', pid: null, cause: 'spawn failed: spawn /opt/app ENOENT' });
  });

  it('failed checks: not ready, and unhealthy with the message of the last failed check', () => {
    const started = [ev({ type: 'spawning', at: 0, attempt: 1 }), ev({ type: 'started', at: 0, pid: PID, attempt: 1 })];
    const notReady = boardOf(...started, ev({ type: 'not-ready', at: 60_000, pid: PID, afterMs: 60_000, error: { code: 'ETIMEDOUT', message: 'connect ECONNREFUSED 127.0.0.1:80' } }));
    expect(only(notReady)?.cause).toBe('not ready after 60000 ms: connect ECONNREFUSED 127.0.0.1:80');
    const unhealthy = boardOf(
      ...started,
      ev({ type: 'health-failed', at: 1, pid: PID, failures: 3, error: { code: 'EUNHEALTHY', message: 'GET /health: 503' } }),
      ev({ type: 'unhealthy', at: 1, pid: PID, failures: 3, error: { code: 'EUNHEALTHY', message: 'GET /health: 503' } }),
    );
    expect(only(unhealthy)?.cause).toBe('unhealthy: 3 health checks failed in a row: GET /health: 503');
  });

  it('gave up: why, and the trouble before', () => {
    const board = boardOf(ev({ type: 'spawning', at: 0, attempt: 1 }), ev({ type: 'started', at: 0, pid: PID, attempt: 1 }), exited(5), ev({ type: 'gave-up', at: 5, attempts: 1, reason: 'attempts-exhausted' }));
    expect(only(board)).toMatchObject({ status: 'gave-up', cause: 'gave up after 1 attempt; last: exited with code 3' });
  });

  it('a new run says why it is not running yet, until it is ready; a requested exit says it was asked for', () => {
    const board = boardOf(ev({ type: 'spawning', at: 0, attempt: 1 }), ev({ type: 'started', at: 0, pid: PID, attempt: 1 }), exited(5));
    expect(only(board)?.cause).toBe('exited with code 3');
    board.see(ev({ type: 'started', at: 6, pid: PID, attempt: 2 }));
    expect(only(board)).toMatchObject({ status: 'starting', cause: 'not ready yet', lastExit: { code: 3 } });
    board.see(ev({ type: 'ready', at: 7, pid: PID, afterMs: 1 }));
    expect(only(board)?.cause).toBeNull();
    board.see(exited(10_010, { requested: true, reason: 'restart', signal: 'SIGINT', code: null }));
    expect(only(board)?.cause).toBe('restarting on request');
  });

  it('one waiting for what it starts after: what it waits for, in words', () => {
    const board = boardOf({ type: 'waiting', at: 0, id: 'web', for: ['db', 'cache'], cause: 'waiting for db and cache to be ready' });
    expect(only(board)).toMatchObject({ status: 'idle', pid: null, cause: 'waiting for db and cache to be ready' });
  });

  it('a configured id the manager holds (a recorded process it cannot supervise): the reason', () => {
    const board = boardOf({ type: 'invalid-entry', at: 0, id: 'web', message: 'not started: a process recorded for it still runs' });
    expect(only(board)).toMatchObject({ status: 'idle', cause: 'not started: a process recorded for it still runs' });
  });

  it('an id a limit of the OS holds back: the limit and how to raise it, until it is launched', () => {
    const limit = { type: 'limit-reached', at: 0, limit: 'cgroup pids.max', value: 200, inUse: 190, raise: 'TasksMax=223 in the unit, or the pod’s pid limit to 223; pids.max of /sys/fs/cgroup/system.slice', held: ['web', 'api'] } as const;
    const board = boardOf({ type: 'reconcile', at: 0, started: [], stopped: [], replaced: [], unchanged: 0 }, limit);
    const cause = 'held: cgroup pids.max is 200, 190 in use; TasksMax=223 in the unit, or the pod’s pid limit to 223; pids.max of /sys/fs/cgroup/system.slice';
    expect(only(board)).toMatchObject({ status: 'idle', cause });
    board.see(ev({ type: 'spawning', at: 10_000, attempt: 1 }));
    expect(only(board)?.cause).toBe('spawning (attempt 1)');
    expect(board.report(['api'], 10_000)[0]?.cause).toBe(cause);
    board.see({ ...limit, held: ['api'], at: 10_000 });
    board.see({ type: 'reconcile', at: 20_000, started: ['api'], stopped: [], replaced: [], unchanged: 1 });
    board.see({ type: 'spawning', at: 20_000, id: 'api', attempt: 1 });
    expect(board.report(['api'], 20_000)[0]?.cause).toBe('spawning (attempt 1)');
  });

  it('lists every configured id in order, also one with no event yet, then those still stopping', () => {
    const board = boardOf(
      { type: 'reconcile', at: 0, started: [], stopped: ['old'], replaced: [], unchanged: 0 },
      { type: 'stopping', at: 0, id: 'old', pid: PID, signal: 'SIGINT', reason: 'stop' },
    );
    expect(board.report(['b', 'a'], 0).map(({ id, status }) => [id, status])).toEqual([
      ['b', 'idle'],
      ['a', 'idle'],
      ['old', 'stopping'],
    ]);
    board.see({ type: 'stopped', at: 1, id: 'old' });
    expect(board.report(['b', 'a'], 1).map(({ id }) => id)).toEqual(['b', 'a']);
  });

  it('reads CPU and memory of a live process from /proc; its start is the one its adoption told (from /proc too)', () => {
    const now = Date.now();
    const board = boardOf({ type: 'adopted', at: now, id: 'self', pid: process.pid, attempt: 0, startedAt: now - 60_000 });
    const [report] = board.report(['self'], now);
    expect(report?.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(report?.cpuPercent).toBeGreaterThanOrEqual(0);
    // Adopted just now, yet it has run since its own start.
    expect(report).toMatchObject({ since: now - 60_000, uptimeMs: 60_000 });
  });

  it("a process in a cgroup: the CPU of the service's whole tree, from the cgroup's counter when its run began; the memory of its cgroup, or its leader's where the cgroup has none", () => {
    const WEB = '/sys/fs/cgroup/rxd-test/web';
    // The cgroup's counter, as its cpu.stat and memory.current would say it: 100 s of earlier runs at the start.
    let usage: CgroupUsage = { cpuUsec: 100_000_000, memoryBytes: 64 * 2 ** 20 };
    const cgroups: Cgroups = { ...noCgroups, usage: (dir) => (dir === WEB ? usage : undefined) };
    const board = new StatusBoard(undefined, cgroups);
    board.see(ev({ type: 'spawning', at: 10_000, attempt: 1 }));
    board.see(ev({ type: 'started', at: 10_000, pid: PID, attempt: 1, cgroup: WEB }));
    // A grandchild keeps 1.5 cores busy; the leader (a pid /proc has no process for) is idle.
    usage = { cpuUsec: 101_500_000, memoryBytes: 80 * 2 ** 20 };
    expect(only(board, 11_000)).toMatchObject({ status: 'starting', pid: PID, cpuPercent: 150, cpuScope: 'cgroup', rssBytes: 80 * 2 ** 20, memoryScope: 'cgroup' });
    // Later looks: over the window since the one before.
    usage = { cpuUsec: 102_000_000, memoryBytes: undefined };
    expect(only(board, 13_000)).toMatchObject({ cpuPercent: 25, cpuScope: 'cgroup', rssBytes: null, memoryScope: null });
  });

  it("the memory of the leader where the cgroup's memory controller is not enabled, and says so", () => {
    const cgroups: Cgroups = { ...noCgroups, usage: () => ({ cpuUsec: 5_000_000, memoryBytes: undefined }) };
    const now = Date.now();
    const board = new StatusBoard(undefined, cgroups);
    board.see({ type: 'adopted', at: now, id: 'self', pid: process.pid, attempt: 0, startedAt: now - 60_000, cgroup: '/sys/fs/cgroup/rxd-test/self' });
    const [report] = board.report(['self'], now + 2_000);
    expect(report).toMatchObject({ cpuPercent: 0, cpuScope: 'cgroup', memoryScope: 'leader' });
    expect(report?.rssBytes).toBeGreaterThan(1024 * 1024);
  });

  it('a process without a cgroup: its leader alone, and says so', () => {
    const now = Date.now();
    const board = boardOf({ type: 'adopted', at: now, id: 'self', pid: process.pid, attempt: 0, startedAt: now - 60_000 });
    expect(board.report(['self'], now)[0]).toMatchObject({ cpuScope: 'leader', memoryScope: 'leader' });
  });
});
