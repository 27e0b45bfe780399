import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BehaviorSubject, NEVER, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { Manager } from '../../lib/manager/manager.js';
import { withLines, type OutputLine } from '../../lib/output/with-lines.js';
import { consulBackoff } from '../../lib/policy/consul-backoff.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

/** Runs `step` at virtual time `at`. */
const at = (ms: number, step: () => void) => timer(ms).subscribe(step);

/** Appends to a file of the FakeDriver, as a process writing to it would. */
const appender = (driver: FakeDriver) => (path: string, text: string) => driver.files.set(path, `${driver.files.get(path) ?? ''}${text}`);

type Shown = { readonly type: string; readonly at: number; readonly id?: string } | OutputLine;
const isLine = (shown: Shown): shown is OutputLine => shown.type === 'line';

/** A line or an event as one word: `[id] type@ms`, or a line's `[id] stream: text@ms`. */
const word = (shown: Shown): string => {
  const id = shown.id === undefined ? '' : `[${shown.id}] `;
  return isLine(shown) ? `${id}${shown.stream}: ${shown.text}@${shown.at}` : `${id}${shown.type}@${shown.at}`;
};

describe('withLines: a run’s lines before its exited', () => {
  it('over three crash cycles, each run’s last line (written after the last look) comes before its exited, never after the next run’s started', () => {
    const driver = new FakeDriver({ exitAfterMs: 1_100, exitCode: 1 });
    const append = appender(driver);
    const seen: string[] = [];
    inVirtualTime(() => {
      // Runs from 0, 1100, 2200: each writes a line at 50 ms, and its last one 50 ms before it crashes, after a look (every 200 ms).
      for (const start of [0, 1_100, 2_200]) {
        at(start + 50, () => append('/out', `up at ${start}\n`));
        at(start + 1_050, () => append('/err', `crashing at ${start + 1_050}\n`));
      }
      supervise({ command: 'x' }, { driver, stdout: { file: '/out' }, stderr: { file: '/err' }, restart: consulBackoff({ freeAttempts: 10 }), stop$: timer(3_250) })
        .pipe(withLines({ outputsOf: () => ({ stdout: { file: '/out' }, stderr: { file: '/err' } }), source: driver.files.output }))
        .subscribe((shown) => {
          if (shown.type === 'line' || shown.type === 'exited' || shown.type === 'started' || shown.type === 'stopped') seen.push(word(shown));
        });
    });
    expect(seen).toEqual([
      'started@0',
      'stdout: up at 0@200',
      'stderr: crashing at 1050@1100',
      'exited@1100',
      'started@1100',
      'stdout: up at 1100@1200',
      'stderr: crashing at 2150@2200',
      'exited@2200',
      'started@2200',
      'stdout: up at 2200@2400',
      // The stop at 3250, with a line written after the look at 3200: read before its exited.
      'stderr: crashing at 3250@3250',
      'exited@3250',
      'stopped@3250',
    ]);
  });

  it('lines are those written from the spawn on (or from the subscription, for what it is watching); it completes with the events, once the files are read to their end', () => {
    const driver = new FakeDriver();
    const append = appender(driver);
    append('/out', 'an earlier run\n');
    const seen: string[] = [];
    inVirtualTime(({ cold }) => {
      at(100, () => append('/out', 'first\n'));
      at(250, () => append('/out', 'last\n'));
      cold<{ type: string; at: number }>('300ms (a|)', { a: { type: 'ready', at: 300 } })
        .pipe(withLines({ outputsOf: () => ({ stdout: { file: '/out' } }), watching: [undefined], source: driver.files.output }))
        .subscribe({ next: (shown) => seen.push(word(shown)), complete: () => seen.push('complete') });
    });
    expect(seen).toEqual(['stdout: first@200', 'ready@300', 'stdout: last@300', 'complete']);
  });

  it('a stdout and stderr sharing a file are read once; an output that is no file has no lines', () => {
    const driver = new FakeDriver();
    const append = appender(driver);
    const seen: string[] = [];
    inVirtualTime(() => {
      at(100, () => append('/both', 'one line\n'));
      supervise({ command: 'x' }, { driver, stdout: { file: '/both' }, stderr: { file: '/both' }, stop$: timer(300) })
        .pipe(withLines({ outputsOf: () => ({ stdout: { file: '/both' }, stderr: { file: '/both' } }), source: driver.files.output }))
        .subscribe((shown) => shown.type === 'line' && seen.push(word(shown)));
      supervise({ command: 'y' }, { driver, stop$: timer(300) })
        .pipe(withLines({ outputsOf: () => ({ stdout: 'ignore', stderr: 'inherit' }), source: driver.files.output }))
        .subscribe((shown) => shown.type === 'line' && seen.push(word(shown)));
    });
    expect(seen).toEqual(['stdout: one line@200']);
  });

  it('unsubscribing ends the looks: nothing is read after', () => {
    const driver = new FakeDriver();
    const append = appender(driver);
    const seen: string[] = [];
    inVirtualTime(() => {
      at(100, () => append('/out', 'read\n'));
      at(300, () => append('/out', 'not read\n'));
      const subscription = NEVER.pipe(withLines({ outputsOf: () => ({ stdout: { file: '/out' } }), watching: [undefined], source: driver.files.output })).subscribe((shown) => seen.push(word(shown)));
      at(250, () => {
        subscription.unsubscribe();
      });
    });
    expect(seen).toEqual(['stdout: read@200']);
  });
});

describe('Manager.eventsAndLines$', () => {
  it("every service's lines by id and stream, each run's before its exited; a moved output is read from the new file from the next run on; it completes after the manager's end, the last lines read", () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rxdaemon-with-lines-'));
    const driver = new FakeDriver({ byId: { web: {}, flaky: (spawn) => (spawn === 1 ? { exitAfterMs: 500, exitCode: 1 } : {}) } });
    const append = appender(driver);
    const log = (id: string, stream: string) => join(dataDir, 'logs', `${id}-${stream}.log`);
    const desired$ = new BehaviorSubject<DesiredSet>({ web: { command: 'web' }, flaky: { command: 'flaky' } });
    const seen: string[] = [];
    inVirtualTime(() => {
      const manager = new Manager(desired$, { driver, dataDir, quietMs: 10 });
      manager
        .eventsAndLines$()
        .subscribe({
          next: (shown) => {
            if (shown.type === 'line' || shown.type === 'exited' || shown.type === 'started' || shown.type === 'manager-stopped') seen.push(word(shown));
          },
          complete: () => seen.push('complete'),
        });
      manager.run();
      at(100, () => append(log('web', 'stdout'), 'web up\n'));
      // flaky's first run crashes at 500, its last line written after the look at 400.
      at(450, () => append(log('flaky', 'stderr'), 'crashing\n'));
      at(1_000, () => {
        desired$.next({ web: { command: 'web', stdout: { file: '/web.out' } }, flaky: { command: 'flaky' } });
      });
      // Until web's replacement (after 10 ms of quiet), it still writes the old file; then the new one.
      at(1_005, () => append(log('web', 'stdout'), 'web old file\n'));
      at(1_100, () => append('/web.out', 'web new file\n'));
      at(1_150, () => append(log('flaky', 'stdout'), 'flaky bye\n'));
      at(1_150, () => void manager.kill());
    });
    rmSync(dataDir, { recursive: true, force: true });
    expect(seen).toEqual([
      '[web] started@0',
      '[flaky] started@0',
      '[web] stdout: web up@200',
      '[flaky] stderr: crashing@500',
      '[flaky] exited@500',
      '[flaky] started@500',
      '[web] stdout: web old file@1010',
      '[web] exited@1010',
      '[web] started@1010',
      // kill() at 1150: each daemon's last lines before its exited, then the manager's end.
      '[flaky] stdout: flaky bye@1150',
      '[flaky] exited@1150',
      '[web] stdout: web new file@1150',
      '[web] exited@1150',
      'manager-stopped@1150',
      'complete',
    ]);
  });
});
