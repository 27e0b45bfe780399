import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { reloadStableChecks } from '../../lib/cli/reload-stable-checks.js';
import { configReader } from '../../lib/cli/config.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import { serviceEquals, type DesiredSet, type Service } from '../../lib/manager/service.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

const dir = mkdtempSync(join(tmpdir(), 'rxdaemon-checks-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const path = join(dir, 'daemons.json');
const save = (daemons: Record<string, unknown>, space?: number): void => {
  writeFileSync(path, JSON.stringify({ daemons }, null, space));
};
const readOf = (read: ReturnType<typeof configReader>): DesiredSet => {
  const result = read();
  if (result._tag === 'Left') throw new Error(result.left.message);
  return result.right;
};
const serviceIn = (set: DesiredSet, id: string): Service => {
  const service = set[id];
  if (service === undefined) throw new Error(`no ${id}`);
  return service;
};

// Nothing listens on these (port 9 is discard, which no test machine runs): the checks are built, never passed.
const web = { command: 'web', ready: { tcp: 9, host: '127.0.0.1', intervalMs: 500 }, health: { http: 'http://127.0.0.1:9/healthz', expectStatus: [200, 204], failures: 2 } };
const db = { command: 'db', ready: { output: 'ready to accept connections', stream: 'stderr' }, health: { exec: ['pg_isready', '-h', 'localhost'] } };

describe('reloadStableChecks: equal checks, one function', () => {
  it('gives the same check for an equal kind whatever its timing and key order, a new one for another kind, and keeps ready and health apart', () => {
    const checksFor = reloadStableChecks(dir);
    const first = checksFor.ready({ http: 'http://127.0.0.1:8080/', expectStatus: [200, 204] });
    expect(first).toEqual({ check: first.check });
    expect(checksFor.ready({ expectStatus: [200, 204], http: 'http://127.0.0.1:8080/', intervalMs: 50, attemptTimeoutMs: 10 })).toEqual({ check: first.check, intervalMs: 50, attemptTimeoutMs: 10 });
    expect(checksFor.ready({ http: 'http://127.0.0.1:8080/', expectStatus: [200] }).check).not.toBe(first.check);
    expect(checksFor.ready({ http: 'http://127.0.0.1:8080/' }).check).not.toBe(first.check);
    // An output check remembers how far it read a run's file: health must not go on from where ready stopped.
    expect(checksFor.health({ http: 'http://127.0.0.1:8080/', expectStatus: [200, 204] }).check).not.toBe(first.check);
    expect(checksFor.health({ tcp: 5432, failures: 1 })).toEqual({ check: checksFor.health({ tcp: 5432 }).check, failures: 1 });
    expect(checksFor.ready({ tcp: 5432 }).check).not.toBe(checksFor.ready({ tcp: 5432, host: 'db' }).check);
    expect(checksFor.ready({ exec: ['a', 'b'] }).check).toBe(checksFor.ready({ exec: ['a', 'b'] }).check);
    expect(checksFor.ready({ exec: ['a', 'b'] }).check).not.toBe(checksFor.ready({ exec: ['b', 'a'] }).check);
    expect(reloadStableChecks(dir).ready({ http: 'http://127.0.0.1:8080/', expectStatus: [200, 204] }).check).not.toBe(first.check);
  });
});

describe('a config read again: unchanged services keep their check functions', () => {
  it('an unchanged file, even reformatted, reads as services equal by serviceEquals; a changed check or timing changes only its service', () => {
    const read = configReader(path);
    save({ web, db });
    const first = readOf(read);
    save({ db: { health: db.health, ready: { stream: 'stderr', output: db.ready.output }, command: 'db' }, web: { ...web, ready: { intervalMs: 500, host: '127.0.0.1', tcp: 9 } } }, 2);
    const again = readOf(read);
    for (const id of ['web', 'db']) expect(serviceEquals(serviceIn(first, id), serviceIn(again, id)), id).toBe(true);
    expect(again.db?.health?.check).toBe(first.db?.health?.check);

    // Timing alone: the service changes, its check function does not.
    save({ web: { ...web, ready: { ...web.ready, intervalMs: 1_000 } }, db });
    const retimed = readOf(read);
    expect(serviceEquals(serviceIn(first, 'web'), serviceIn(retimed, 'web'))).toBe(false);
    expect(retimed.web?.ready?.check).toBe(first.web?.ready?.check);
    expect(serviceEquals(serviceIn(first, 'db'), serviceIn(retimed, 'db'))).toBe(true);

    save({ web, db: { ...db, ready: { ...db.ready, stream: 'stdout' } } });
    const rechecked = readOf(read);
    expect(serviceEquals(serviceIn(first, 'db'), serviceIn(rechecked, 'db'))).toBe(false);
    expect(rechecked.db?.ready?.check).not.toBe(first.db?.ready?.check);
    expect(serviceEquals(serviceIn(first, 'web'), serviceIn(rechecked, 'web'))).toBe(true);

    save({ web, db: { ...db, after: ['web'] } });
    expect(serviceEquals(serviceIn(first, 'db'), serviceIn(readOf(read), 'db'))).toBe(false);
  });

  it('the manager’s reconcile: a reload of an unchanged config replaces nothing; a changed check replaces its service alone', () => {
    const read = configReader(path);
    save({ web, db });
    const sets: Record<string, DesiredSet> = { a: readOf(read), b: readOf(read) };
    const web200 = { ...web, health: { ...web.health, expectStatus: [200] } };
    save({ web: web200, db });
    sets.c = readOf(read);
    save({ web: web200, db: { ...db, health: { exec: ['pg_isready', '-q'] } } });
    sets.d = readOf(read);
    // Both undone: the first entries give back the first checks.
    save({ web, db });
    sets.e = readOf(read);
    expect(sets.e.web?.health?.check).toBe(sets.a?.web?.health?.check);
    expect(sets.e.db?.health?.check).toBe(sets.a?.db?.health?.check);

    const seen: ManagerEvent[] = [];
    const driver = new FakeDriver();
    inVirtualTime(({ hot, cold }) => {
      const desired$: Observable<DesiredSet> = hot('a 999ms b 999ms c 999ms d 999ms e', sets);
      manage(desired$, { driver, kill$: cold('10s k') }).subscribe((event) => seen.push(event));
    });
    const reconciles = seen.flatMap((event) => (event.type === 'reconcile' ? [{ replaced: [...event.replaced].sort(), unchanged: event.unchanged }] : []));
    expect(reconciles).toEqual([
      { replaced: [], unchanged: 0 },
      { replaced: [], unchanged: 2 },
      { replaced: ['web'], unchanged: 1 },
      { replaced: ['db'], unchanged: 1 },
      { replaced: ['db', 'web'], unchanged: 0 },
    ]);
    const commands = driver.spawns.map((spawn) => spawn.command);
    expect([...commands.slice(0, 4), ...commands.slice(4).sort()]).toEqual(['web', 'db', 'web', 'db', 'db', 'web']);
  });
});
