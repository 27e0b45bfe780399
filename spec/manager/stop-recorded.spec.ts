import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatMap, of } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { manage } from '../../lib/manager/manage.js';
import { stopRecorded$ } from '../../lib/manager/stop-recorded.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
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
});
