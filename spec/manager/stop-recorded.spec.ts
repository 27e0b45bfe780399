import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { concatMap, of } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import { stopRecorded$ } from '../../lib/manager/stop-recorded.js';
import { FakeCgroups } from '../../lib/testing/fake-cgroups.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { silentLogger } from '../../lib/logger.js';
import { scopeOf } from '../../lib/manager/open-data-dir.js';
import { recordedPids } from '../helpers/records.js';
import { inVirtualTime } from '../helpers/virtual-time.js';
import { eventLine } from '../helpers/event-line.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rxdaemon-shutdown-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** What the data dir records now. */
const recorded = (): Record<string, number> => recordedPids(root);

describe('stopRecorded$: what the records of a data dir hold, stopped where no manager runs', () => {
  it('stops each recorded process as its record says (its own signal; its grace, then SIGKILL), and empties the records', () => {
    // The second process ignores its stop signal: SIGKILL ends it when its 300 ms of grace are over.
    const driver = new FakeDriver((n) => (n === 2 ? { onSigint: 'ignore' } : {}));
    const seen: string[] = [];
    inVirtualTime(({ cold }) => {
      const services = { term: { command: 'a', stopSignal: 'SIGTERM' as const }, stubborn: { command: 'b', gracefulStopMs: 300 } };
      // A manager that leaves its daemons running (closed at 1 s), then a shutdown from its records at 2 s.
      manage(of(services), { driver, dataDir: root, close$: cold('1s c') }).subscribe();
      cold('2s x')
        .pipe(concatMap(() => stopRecorded$(root, { driver })))
        .subscribe((event) => seen.push(eventLine(event)));
    });
    expect(driver.signalLog()).toEqual(['SIGTERM 1000@2000', 'SIGINT 1001@2000', 'SIGKILL 1001@2300']);
    // Adopted, each is polled (every 10 ms while it stops): its end is seen at the next look.
    expect(seen).toEqual([
      'containment@2000',
      'adopted:term@2000',
      'stopping:term@2000',
      'adopted:stubborn@2000',
      'stopping:stubborn@2000',
      'restored@2000',
      'reconcile@2000',
      'exited:term@2010',
      'stopped:term@2010',
      'killing:stubborn@2300',
      'exited:stubborn@2310',
      'stopped:stubborn@2310',
      'snapshot-written@2310',
      'manager-stopped@2310',
    ]);
    expect(recorded()).toEqual({});
  });

  it('never signals a record whose pid is now another process: it is said (EPIDREUSED), and dropped', () => {
    const driver = new FakeDriver();
    const seen: ManagerEvent[] = [];
    inVirtualTime(({ cold }) => {
      manage(of({ web: { command: 'a' } }), { driver, dataDir: root, close$: cold('1s c') }).subscribe();
      cold('2s x')
        .pipe(
          concatMap(() => {
            // As if web had died and its pid gone to another process: the record's start time is not the process's.
            const snapshot = JSON.parse(readFileSync(join(root, 'snapshot.json'), 'utf8')) as { daemons: { web: { startTime: string } } };
            snapshot.daemons.web.startTime = '1';
            writeFileSync(join(root, 'snapshot.json'), JSON.stringify(snapshot));
            return stopRecorded$(root, { driver });
          }),
        )
        .subscribe((event) => seen.push(event));
    });
    expect(driver.signalLog()).toEqual([]);
    expect(seen.find((event) => event.type === 'restore-skipped')).toMatchObject({ id: 'web', code: 'EPIDREUSED' });
    expect(seen.at(-1)?.type).toBe('manager-stopped');
    expect(recorded()).toEqual({});
  });

  it('refuses a data dir that is not there (EDATADIR), and creates nothing', () => {
    const missing = join(root, 'typo');
    const seen: ManagerEvent[] = [];
    inVirtualTime(() => {
      stopRecorded$(missing, { driver: new FakeDriver() }).subscribe((event) => seen.push(event));
    });
    expect(seen).toEqual([{ type: 'manager-refused', at: 0, code: 'EDATADIR', message: `there is no data dir ${missing} (is --data-dir right?)` }]);
    expect(existsSync(missing)).toBe(false);
  });

  describe("under containment, from another cgroup root than the manager's (a login shell's, against a systemd unit's manager)", () => {
    const UNIT = '/sys/fs/cgroup/system.slice/rxd.service';

    /** A manager under UNIT leaves web running (closed at 1 s) with an escapee in its cgroup; at 2 s stopRecorded$ runs from the default root, the record of web first changed by `tamper`. */
    const shutdownElsewhere = (tamper: (web: { cgroup?: string }, made: { cgroups: FakeCgroups; fake: FakeDriver }) => void = () => undefined) => {
      const fake = new FakeDriver({ onSigint: { exitAfterMs: 10 } });
      const cgroups = new FakeCgroups(fake.processes);
      const driver = fake.withCgroups(cgroups);
      const web = join(UNIT, `rxd-${scopeOf(root)}`, 'web');
      const warned: string[] = [];
      const seen: string[] = [];
      let escapee = 0;
      inVirtualTime(({ cold }) => {
        manage(of({ web: { command: 'a' } }), { driver, dataDir: root, cgroupRoot: UNIT, close$: cold('1s c') }).subscribe();
        cold('500ms e').subscribe(() => { escapee = fake.processes.addProcess({ cgroup: web, session: 4242, onSigint: 'ignore' }).pid; });
        cold('2s x')
          .pipe(
            concatMap(() => {
              const snapshot = JSON.parse(readFileSync(join(root, 'snapshot.json'), 'utf8')) as { daemons: { web: { cgroup?: string } } };
              tamper(snapshot.daemons.web, { cgroups, fake });
              writeFileSync(join(root, 'snapshot.json'), JSON.stringify(snapshot));
              return stopRecorded$(root, { driver, logger: { ...silentLogger, warn: (message) => warned.push(message) } });
            }),
          )
          .subscribe((event) => seen.push(eventLine(event)));
      });
      return { cgroups, fake, web, escapee, warned, seen };
    };

    it("stops the leader, ends the escapee through the cgroup its record names, and removes the scope's cgroups there", () => {
      const { cgroups, fake, web, escapee, warned, seen } = shutdownElsewhere((record) => {
        expect(record.cgroup).toBe(join(UNIT, `rxd-${scopeOf(root)}`, 'web'));
      });
      // The leader exits 10 ms after its stop signal, seen by its poll (once a second while it stops: its cgroup, which holds the
      // escapee, cannot tell); what is left in its cgroup is killed then, never left to its grace.
      expect(fake.signalLog()).toEqual(['SIGINT 1000@2000']);
      expect(cgroups.kills).toEqual([{ dir: web, at: 3_000 }]);
      expect(fake.processes.get(escapee)?.alive).toBe(false);
      expect([...cgroups.dirs]).toEqual([]);
      expect(warned).toEqual([]);
      expect(seen.at(-1)).toBe('manager-stopped@3000');
    });

    it.each([
      ['of another id', (scope: string) => join(UNIT, `rxd-${scope}`, 'api')],
      ['of another scope', () => join(UNIT, 'rxd-someone-else', 'web')],
      ['that is no cgroup of the scope at all', () => '/sys/fs/cgroup/user.slice'],
    ])('never kills a cgroup a record names %s: it is said, and the leader alone is stopped', (_, named) => {
      let victim = 0;
      const { cgroups, fake, escapee, warned } = shutdownElsewhere((record, made) => {
        record.cgroup = named(scopeOf(root));
        // Made, and holding a process, as a victim's would be.
        const dir = join(dirname(dirname(record.cgroup)), basename(dirname(record.cgroup)));
        made.cgroups.dirs.add(dir);
        made.cgroups.dirs.add(record.cgroup);
        victim = made.fake.processes.addProcess({ cgroup: record.cgroup }).pid;
      });
      expect(cgroups.kills).toEqual([]);
      expect(fake.processes.get(victim)?.alive).toBe(true);
      expect(fake.processes.get(escapee)?.alive).toBe(true);
      expect(fake.signalLog()).toEqual(['SIGINT 1000@2000']);
      expect(warned).toEqual([expect.stringMatching(/^rxdaemon manager: the cgroup \S+ that the record of web names is not used: it is not rxd-\S+\/web, the cgroup of web in this data dir's scope$/)]);
    });
  });
});
