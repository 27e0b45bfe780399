import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualTimeScheduler } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDir } from '../../lib/manager/data-dir.js';
import { recordedStatus } from '../../lib/manager/recorded-status.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rxdaemon-recorded-status-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const NOW = 1_700_000_000_000;
const record = (pid: number, startTime: string) => ({ version: 1, pid, startTime, bootId: 'fake-boot', command: 'sleep', args: ['60'], env: {} });
const snapshot = (daemons: Record<string, unknown>): void => {
  writeFileSync(join(root, 'snapshot.json'), JSON.stringify({ version: 1, daemons }));
};

describe('recordedStatus: rxdaemon status without a manager, through the library', () => {
  it('reports each recorded daemon as the status board does: alive since its own start, dead or unknown with why; no CPU, restarts or last exit', () => {
    const scheduler = new VirtualTimeScheduler();
    // Pids no real process has, so /proc tells no memory of them.
    const driver = new FakeDriver({}, { scheduler, firstPid: 4_000_000 });
    const web = driver.addProcess({ startedAt: 0 });
    const theirs = driver.addProcess({ foreign: true });
    scheduler.schedule(() => undefined, 5_000);
    scheduler.flush();
    snapshot({ web: record(web.pid, web.startTime), gone: record(4_100_000, '7'), theirs: record(theirs.pid, theirs.startTime), junk: { pid: 'x' } });
    expect(recordedStatus(new DataDir(root), NOW, driver)).toEqual({
      _tag: 'Right',
      right: [
        { id: 'web', status: 'alive', pid: web.pid, since: NOW - 5_000, uptimeMs: 5_000, restarts: null, lastExit: null, cpuPercent: null, cpuScope: null, rssBytes: null, memoryScope: null, cause: null },
        { id: 'gone', status: 'dead', pid: 4_100_000, since: null, uptimeMs: null, restarts: null, lastExit: null, cpuPercent: null, cpuScope: null, rssBytes: null, memoryScope: null, cause: 'process 4100000 is gone' },
        { id: 'theirs', status: 'unknown', pid: theirs.pid, since: null, uptimeMs: null, restarts: null, lastExit: null, cpuPercent: null, cpuScope: null, rssBytes: null, memoryScope: null, cause: `process ${theirs.pid} belongs to another user` },
        { id: 'junk', status: 'dead', pid: null, since: null, uptimeMs: null, restarts: null, lastExit: null, cpuPercent: null, cpuScope: null, rssBytes: null, memoryScope: null, cause: expect.stringContaining('invalid snapshot') as string },
      ],
    });
  });

  it('refuses, saying why, what it cannot read: never "no daemons"', () => {
    const driver = new FakeDriver({}, { scheduler: new VirtualTimeScheduler() });
    expect(recordedStatus(new DataDir(join(root, 'typo')), NOW, driver)).toEqual({ _tag: 'Left', left: `there is no data dir ${join(root, 'typo')} (is --data-dir right?)` });
    writeFileSync(join(root, 'snapshot.json'), '{"version":1,"daemons":{"web":');
    expect(recordedStatus(new DataDir(root), NOW, driver)).toEqual({ _tag: 'Left', left: expect.stringContaining(`the snapshot ${join(root, 'snapshot.json')} is corrupt: `) as string });
  });

  it("the memory of a live recorded process is its leader's, and says so (without a manager, its cgroup is not known)", () => {
    // A fake process with this process's pid: /proc tells its memory.
    const driver = new FakeDriver({}, { scheduler: new VirtualTimeScheduler(), firstPid: process.pid });
    const self = driver.addProcess({ startedAt: 0 });
    snapshot({ self: record(self.pid, self.startTime) });
    const reports = recordedStatus(new DataDir(root), NOW, driver);
    expect(reports).toMatchObject({ _tag: 'Right', right: [{ id: 'self', status: 'alive', pid: process.pid, memoryScope: 'leader', cpuScope: null }] });
    expect(reports._tag === 'Right' ? reports.right[0]?.rssBytes : null).toBeGreaterThan(1024 * 1024);
  });

  it('an empty data dir records no daemons', () => {
    expect(recordedStatus(new DataDir(root), NOW, new FakeDriver({}, { scheduler: new VirtualTimeScheduler() }))).toEqual({ _tag: 'Right', right: [] });
  });
});
