// P5: a manager of 1,000 daemons. A change of 10 touches only those 10
// (counted on the FakeDriver, in virtual time); one snapshot.json write of
// 1,000 entries (made into text, written atomically with fsync, on the real
// disk) takes under 10 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { manage, type Command, type DesiredSet } from '../lib/index.js';
import { DataDir } from '../lib/manager/data-dir.js';
import { Records } from '../lib/manager/records.js';
import { hashToken } from '../lib/snapshot/token-hash.js';
import { FakeDriver } from '../lib/testing/index.js';
import { median, now, type Row } from './measure.js';

const fleetOf = (count: number, version: (i: number) => string): DesiredSet =>
  Object.fromEntries(
    Array.from({ length: count }, (_, i): [string, Command] => [
      `proxy-${i}`,
      { command: '/usr/local/bin/envoy', args: ['-c', `/etc/envoy/proxy-${i}.yaml`, '--version', version(i)], env: { SERVICE: `svc-${i}` } },
    ]),
  );

/** Reconciles 1,000, then 1,000 with 10 changed; returns what the second reconcile touched and its wall time. */
const reconcile = (count: number, changed: number) => {
  let spawnsBefore = 0;
  let touched = { spawns: 0, signals: 0 };
  let wallMs = 0;
  new TestScheduler(() => undefined).run(({ hot, cold }) => {
    const driver = new FakeDriver({});
    const before = fleetOf(count, () => 'v1');
    const after = fleetOf(count, (i) => (i < changed ? 'v2' : 'v1'));
    const desired$ = hot('a 999ms b', { a: before, b: after }) as Observable<DesiredSet>;
    let start = 0;
    manage(desired$, { driver, kill$: cold('5000ms k') }).subscribe((event) => {
      if (event.type === 'reconcile' && event.replaced.length > 0) {
        start = now();
        spawnsBefore = driver.spawns.length;
      }
      if (event.type === 'started' && start > 0 && driver.spawns.length === spawnsBefore + changed) {
        wallMs = now() - start;
        touched = { spawns: driver.spawns.length - spawnsBefore, signals: driver.signals.filter((signal) => signal.at < 5_000).length };
        start = 0;
      }
    });
  });
  return { ...touched, wallMs };
};

/** One compaction of 1,000 records into snapshot.json (atomic, fsynced), and one journal append (M8: what every spawn costs). */
const recordWrites = (count: number, runs: number): { compactMs: number; appendUs: number } => {
  const root = mkdtempSync(join(tmpdir(), 'rxdaemon-bench-'));
  const dataDir = new DataDir(root);
  const { records } = Records.open(dataDir, 0);
  const tokenHash = hashToken('token');
  const entries = Object.entries(fleetOf(count, () => 'v1')).map(([id, command], i) => [
    id,
    { version: 1, pid: 10_000 + i, startTime: String(1_000_000 + i), bootId: 'b0f6b7c2-9a1e-4a36-9d41-54fa6d0c2a11', ...command, id, tokenHash },
  ] as const);
  const appendStart = now();
  for (const [id, entry] of entries) records.set(id, entry);
  const appendUs = ((now() - appendStart) * 1_000) / count;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = now();
    records.compact();
    times.push(now() - start);
  }
  records.close();
  rmSync(root, { recursive: true, force: true });
  return { compactMs: median(times), appendUs };
};

export const managerScale = (quick: boolean): Row[] => {
  const count = quick ? 100 : 1_000;
  const { spawns, signals, wallMs } = reconcile(count, 10);
  const { compactMs: writeMs, appendUs } = recordWrites(count, quick ? 3 : 20);
  return [
    { target: 'P5', subject: `${count} daemons, 10 changed: spawns + signals`, value: spawns + signals, unit: 'touched', goal: '= 20 (10 + 10)', met: spawns === 10 && signals === 10 },
    { target: 'P5', subject: `reconcile of ${count} with 10 changed (CPU, virtual time)`, value: wallMs, unit: 'ms' },
    { target: 'P5', subject: `one snapshot.json write of ${count} entries`, value: writeMs, unit: 'ms', goal: '< 10 ms', met: writeMs < 10 },
    { target: 'P5', subject: 'one journal record (M8: each spawn, exit, adoption)', value: appendUs, unit: 'µs' },
  ];
};
