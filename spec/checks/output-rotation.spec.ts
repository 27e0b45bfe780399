import { asyncScheduler, firstValueFrom, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { output } from '../../lib/checks/output.js';
import { attempt$, type Verdict } from '../../lib/checks/run-check.js';
import { supervise, type SuperviseOptions } from '../../lib/daemon/supervise.js';
import type { DaemonEvent } from '../../lib/events.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

/** Runs `step` at virtual time `ms`. */
const at = (ms: number, step: () => void) => timer(ms).subscribe(step);

/** A FakeDriver whose `/out` holds `before` (an earlier run's output), and a way to append to it as the daemon would. */
const withLog = (before: string) => {
  const driver = new FakeDriver();
  driver.files.set('/out', before);
  const append = (text: string) => () => driver.files.set('/out', `${driver.files.get('/out') ?? ''}${text}`);
  return { driver, append };
};

/** The events of a daemon on `driver` whose stdout is `/out`, as `type@ms`, with `writes` scheduled alongside. */
const eventsOf = (driver: FakeDriver, options: SuperviseOptions, writes: () => void): DaemonEvent[] => {
  const events: DaemonEvent[] = [];
  inVirtualTime(() => {
    supervise({ command: 'x' }, { driver, stdout: { file: '/out' }, stop$: timer(1_500), ...options }).subscribe((event) => events.push(event));
    writes();
  });
  return events;
};

const shortly = (events: DaemonEvent[]) => events.map((event) => `${event.type}@${event.at}`);

// The driver rotates /out past maxLogBytes at each whole second. A line unread at a rotation is in /out.1, and /out
// grows again past where the check had read to: reading /out from that offset would cut a line in two and never
// see the one in /out.1.
describe('checks.output across a counted rotation (FakeDriver, virtual time)', () => {
  it('a line unread at a rotation, the file regrown past the old offset: found in .1 at the next attempt, exactly', () => {
    // An earlier run's "ready" is before where this run begins.
    const { driver, append } = withLog('ready\n');
    const events = eventsOf(driver, { maxLogBytes: 16, ready: { check: output(/^ready$/), intervalMs: 300 } }, () => {
      // Attempts at 0, 300, 600, 900, 1200: "loading" is read at 300, so the check stands at byte 14.
      at(100, append('loading\n'));
      at(950, append('ready\n'));
      // After the rotation at 1000: 35 bytes, well past 14.
      at(1_050, append('a longer line, past the old offset\n'));
    });
    expect(driver.files.get('/out.1')).toBe('ready\nloading\nready\n');
    expect(shortly(events).slice(0, 3)).toEqual(['spawning@0', 'started@0', 'ready@1200']);
  });

  it('a line of an earlier run, in .1 before where this run began, never counts', () => {
    const { driver, append } = withLog('ready\n');
    const events = eventsOf(driver, { maxLogBytes: 10, ready: { check: output(/^ready$/), intervalMs: 300, timeoutMs: 1_400 } }, () => {
      at(100, append('loading\n'));
      at(1_050, append('still loading, a longer line\n'));
    });
    expect(driver.files.get('/out.1')).toBe('ready\nloading\n');
    expect(shortly(events).slice(0, 3)).toEqual(['spawning@0', 'started@0', 'not-ready@1400']);
    expect(events[2]).toMatchObject({ error: { code: 'ENOMATCH', message: 'no new line of stdout matches /^ready$/' } });
  });

  it('as a health check: a tick unread at a rotation still counts after the file regrew, and no tick is read twice', () => {
    const { driver, append } = withLog('tick\n');
    const health = { check: output(/^tick$/), intervalMs: 400, failures: 3 };
    // Ready at 100 (its first look, at 0, is where the run begins for both checks); health attempts at 500, 900, 1300.
    const events = eventsOf(driver, { maxLogBytes: 20, ready: { check: output(/^ready$/), intervalMs: 100 }, health }, () => {
      at(50, append('ready\n'));
      at(450, append('tick\n'));
      // Unread at the rotation at 1000; the file then regrows past the 16 bytes read by 500.
      at(950, append('tick\n'));
      at(1_050, append('a line longer than the old offset\n'));
    });
    expect(driver.files.get('/out.1')).toBe('tick\nready\ntick\ntick\n');
    // 900: nothing new since 500 (the tick of 450 counted once); 1300: the tick of 950, read from .1.
    expect(shortly(events).filter((line) => /^(ready|health-failed)@/.test(line))).toEqual(['ready@100', 'health-failed@900']);
  });

  it('a rotation between the spawn and the first look: the target’s start and rotation count lead into .1', async () => {
    const { driver, append } = withLog('ready (an earlier run)\n');
    const start = 'ready (an earlier run)\n'.length;
    append('ready\n')();
    await firstValueFrom(driver.files.rotate('/out', 10, 3));
    append('a line longer than that run’s start\n')();
    const target = { pid: 1, stdout: '/out', stdoutStart: start, stdoutRotations: 0, output: driver.files.output, scheduler: asyncScheduler };
    const attempt = (pattern: RegExp): Promise<Verdict> => firstValueFrom(attempt$(output(pattern), target, 1_000));
    expect(await attempt(/^ready$/)).toEqual({ ok: true });
    expect(await attempt(/earlier/)).toMatchObject({ ok: false, error: { code: 'ENOMATCH' } });
  });
});
