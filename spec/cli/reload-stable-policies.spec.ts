import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { configReader } from '../../lib/cli/config.js';
import { reloadStablePolicies } from '../../lib/cli/reload-stable-policies.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import { serviceEquals, type DesiredSet } from '../../lib/manager/service.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

const dir = mkdtempSync(join(tmpdir(), 'rxdaemon-policies-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const path = join(dir, 'daemons.json');
const save = (text: string): void => {
  writeFileSync(path, text);
};
const readOf = (read: ReturnType<typeof configReader>): DesiredSet => {
  const result = read();
  if (result._tag === 'Left') throw new Error(result.left.message);
  return result.right;
};

const web = { command: 'web', restart: { policy: 'consul', when: 'on-failure', maxRestarts: 5, withinMs: 60_000 } };
const db = { command: 'db', stopSignal: 'SIGTERM', restart: { policy: 'exponential', baseDelayMs: 100, factor: 3 } };

describe('reloadStablePolicies: equal restart entries, one policy object', () => {
  it('gives the same object for an equal entry, whatever the order of its keys, and a new one for another', () => {
    const policyFor = reloadStablePolicies();
    const first = policyFor({ policy: 'consul', when: 'on-failure', maxRestarts: 5, withinMs: 60_000 });
    expect(policyFor({ withinMs: 60_000, maxRestarts: 5, when: 'on-failure', policy: 'consul' })).toBe(first);
    expect(policyFor({ policy: 'consul', when: 'on-failure', maxRestarts: 6, withinMs: 60_000 })).not.toBe(first);
    expect(policyFor({ policy: 'consul', when: 'on-failure', maxRestarts: 5, withinMs: 60_000, noRestartCodes: [] })).not.toBe(first);
    expect(reloadStablePolicies()({ policy: 'consul', when: 'on-failure', maxRestarts: 5, withinMs: 60_000 })).not.toBe(first);
  });
});

describe('a config read again: unchanged services keep their policy objects', () => {
  it('an unchanged file, even reformatted, reads as services equal by serviceEquals; a changed restart entry changes only its service', () => {
    const read = configReader(path);
    save(JSON.stringify({ daemons: { web, db } }));
    const first = readOf(read);
    // The same entries, keys reordered and the file reformatted; "policy" left to its default.
    save(JSON.stringify({ daemons: { db: { ...db }, web: { restart: { withinMs: 60_000, maxRestarts: 5, when: 'on-failure' }, command: 'web' } } }, null, 2));
    const again = readOf(read);
    expect(again.web?.restart).toBe(first.web?.restart);
    expect(again.db?.restart).toBe(first.db?.restart);
    for (const id of ['web', 'db']) expect(serviceEquals(first[id] ?? { command: '' }, again[id] ?? { command: '' })).toBe(true);

    save(JSON.stringify({ daemons: { web: { ...web, restart: { ...web.restart, maxRestarts: 6 } }, db } }));
    const changed = readOf(read);
    expect(serviceEquals(first.web ?? { command: '' }, changed.web ?? { command: '' })).toBe(false);
    expect(changed.db?.restart).toBe(first.db?.restart);
    expect(serviceEquals(first.db ?? { command: '' }, changed.db ?? { command: '' })).toBe(true);
  });

  it('the manager’s reconcile: a reload of an unchanged config replaces nothing; a changed restart entry replaces its service alone', () => {
    const read = configReader(path);
    save(JSON.stringify({ daemons: { web, db } }));
    const sets: Record<string, DesiredSet> = { a: readOf(read), b: readOf(read) };
    save(JSON.stringify({ daemons: { web: { ...web, restart: { ...web.restart, when: 'always' } }, db } }));
    sets.c = readOf(read);
    // Undone: the first entry again gives back the first policy.
    save(JSON.stringify({ daemons: { web, db } }));
    sets.d = readOf(read);
    expect(sets.d.web?.restart).toBe(sets.a?.web?.restart);

    const seen: ManagerEvent[] = [];
    const driver = new FakeDriver();
    inVirtualTime(({ hot, cold }) => {
      const desired$: Observable<DesiredSet> = hot('a 999ms b 999ms c 999ms d', sets);
      manage(desired$, { driver, kill$: cold('10s k') }).subscribe((event) => seen.push(event));
    });
    const reconciles = seen.flatMap((event) => (event.type === 'reconcile' ? [{ replaced: event.replaced, unchanged: event.unchanged }] : []));
    expect(reconciles).toEqual([
      { replaced: [], unchanged: 0 },
      { replaced: [], unchanged: 2 },
      { replaced: ['web'], unchanged: 1 },
      { replaced: ['web'], unchanged: 1 },
    ]);
    expect(driver.spawns.map((spawn) => spawn.command)).toEqual(['web', 'db', 'web', 'web']);
  });
});
