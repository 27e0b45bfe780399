import { isLeft } from 'fp-ts/lib/Either.js';
import { map, takeWhile, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../lib/daemon/daemon.js';
import { supervise } from '../../lib/daemon/supervise.js';
import type { Logger } from '../../lib/logger.js';
import type { ProcessIdentity } from '../../lib/process/identity.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { FakeProcesses } from '../../lib/testing/fake-processes.js';
import { inVirtualTime, testScheduler } from '../helpers/virtual-time.js';

/** A logger that keeps its lines, as `level: line`. */
const keeping = (): { logger: Logger; lines: string[] } => {
  const lines: string[] = [];
  const at = (level: string) => (line: string) => lines.push(`${level}: ${line}`);
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
};

describe('every terminal event comes out of the pipeline that owns it', () => {
  it('unsubscribing during a backoff ends with `stopped`, removes the pid file and spawns nothing more', () => {
    const driver = new FakeDriver({ exitAfterMs: 0, exitCode: 1 });
    const { logger, lines } = keeping();
    inVirtualTime(({ cold }) => {
      // Attempts 1–3 die at once; attempt 4 waits 2 s. Leave half-way through that wait.
      const subscription = supervise({ command: 'x' }, { driver, pidFile: '/p', logger }).subscribe();
      cold('1000ms u').subscribe(() => {
        subscription.unsubscribe();
      });
    });
    expect(driver.spawns).toHaveLength(3);
    expect(driver.files.has('/p')).toBe(false);
    // Logged by the pipeline that ran on in the background, and nothing after it.
    expect(lines.at(-1)).toBe('info: rxdaemon: stopped');
    expect(lines.filter((line) => line.endsWith('stopped'))).toHaveLength(1);
  });

  it('the same, in marbles: the subscriber sees up to the backoff; the stop runs on to `stopped` at 1000 ms', () => {
    const driver = new FakeDriver({ exitAfterMs: 0, exitCode: 1 });
    const stopped: string[] = [];
    const logger: Logger = { ...keeping().logger, info: (line) => line.endsWith('stopped') && stopped.push(`${line}: ${driver.spawns.length} spawns`) };
    inVirtualTime(({ expectObservable, expectSubscriptions, cold }) => {
      const stop$ = cold<never>('-');
      const types$ = supervise({ command: 'x' }, { driver, logger, stop$ }).pipe(map((event) => event.type));
      expectObservable(types$, '^ 999ms !').toBe('(abrcdesfghtij)', {
        a: 'spawning', b: 'started', r: 'ready', c: 'exited',
        d: 'spawning', e: 'started', s: 'ready', f: 'exited',
        g: 'spawning', h: 'started', t: 'ready', i: 'exited',
        j: 'backoff',
      });
      // Let go of the user's stop$ when the subscriber leaves: the pipeline now stops on its own.
      expectSubscriptions(stop$.subscriptions).toBe('^ 999ms !');
    });
    expect(stopped).toEqual(['rxdaemon: stopped: 3 spawns']);
  });

  it('unsubscribing while a process that ignores the stop signal runs: SIGKILL after the grace, then `stopped`', () => {
    const driver = new FakeDriver({ onSigint: 'ignore' });
    const { logger, lines } = keeping();
    inVirtualTime(({ cold }) => {
      const subscription = supervise({ command: 'x' }, { driver, gracefulStopMs: 500, logger }).subscribe();
      cold('100ms u').subscribe(() => {
        subscription.unsubscribe();
      });
    });
    expect(driver.signalLog()).toEqual(['SIGINT 1000@100', 'SIGKILL 1000@600']);
    expect(lines.at(-1)).toBe('info: rxdaemon: stopped');
  });
});

describe('S1: start() while a stop is under way', () => {
  it('is a Left and spawns nothing', async () => {
    const scheduler = testScheduler();
    const driver = new FakeDriver({ onSigint: 'ignore' }, { scheduler });
    const daemon = new Daemon({ command: 'x' }, { driver, scheduler, gracefulStopMs: 1_000 });
    daemon.start();
    scheduler.flush();
    const stopped = daemon.stop();
    scheduler.schedule(() => {
      const again = daemon.start();
      expect(isLeft(again) && again.left).toEqual({ code: 'ESTOPPED', message: 'the daemon is being stopped; create a new Daemon to run the command again' });
    }, 500);
    scheduler.flush();
    await stopped;
    expect(driver.spawns).toHaveLength(1);
    expect(daemon.state.status).toBe('stopped');
  });
});

describe('S5: what a dead leader leaves in its group', () => {
  it('is ended before the respawn, at the moment of the exit', () => {
    const driver = new FakeDriver((n) => (n === 1 ? { exitAfterMs: 300, exitSignal: 'SIGKILL' } : {}));
    const seen: string[] = [];
    inVirtualTime(() => {
      supervise({ command: 'nginx' }, { driver, stop$: timer(1_000) })
        .pipe(takeWhile((event) => event.type !== 'started' || event.attempt < 2, true))
        .subscribe((event) => seen.push(`${event.type}@${event.at}:${driver.endedGroups.length}`));
    });
    expect(driver.endedGroups[0]).toEqual({ pid: 1000, at: 300 });
    // The group was already ended when `exited` was emitted, and so before the next spawn.
    expect(seen).toEqual(['spawning@0:0', 'started@0:0', 'ready@0:0', 'exited@300:1', 'spawning@300:1', 'started@300:1']);
  });

  it('is ended before `stopped`, and not at all without killProcessGroup', () => {
    const grouped = new FakeDriver();
    const alone = new FakeDriver();
    inVirtualTime(() => {
      supervise({ command: 'x' }, { driver: grouped, stop$: timer(10) }).subscribe();
      supervise({ command: 'x' }, { driver: alone, stop$: timer(10), killProcessGroup: false }).subscribe();
    });
    expect(grouped.endedGroups).toEqual([{ pid: 1000, at: 10 }]);
    expect(alone.endedGroups).toEqual([]);
  });
});

/** Processes whose group members take 200 ms to be gone after the SIGKILL that ends them (S5's wait). */
class SlowLeftovers extends FakeProcesses {
  #goneAt = Number.POSITIVE_INFINITY;
  override endGroup(leader: ProcessIdentity): boolean {
    super.endGroup(leader);
    this.#goneAt = this.clock.now() + 200;
    return true;
  }
  override groupRemains(): boolean {
    return this.clock.now() < this.#goneAt;
  }
}

describe('S5: waiting for a dead leader’s leftovers', () => {
  it('does not let a grace period run out for a leader that exited within it: no killing, no SIGKILL', () => {
    const driver = new SlowLeftovers({ onSigint: { exitAfterMs: 50 } });
    const seen: string[] = [];
    inVirtualTime(() => {
      supervise({ command: 'nginx' }, { driver: { processes: driver }, stop$: timer(1_000), gracefulStopMs: 100 }).subscribe((event) => seen.push(`${event.type}@${event.at}`));
    });
    expect(seen).toEqual(['spawning@0', 'started@0', 'ready@0', 'stopping@1000', 'exited@1250', 'stopped@1250']);
    expect(driver.signalLog()).toEqual(['SIGINT 1000@1000']);
  });

  it('a stop asked for during the wait: no respawn, `stopped` after it; a respawn waits for it', () => {
    const stopped = new SlowLeftovers({ exitAfterMs: 300, exitCode: 1 });
    const seen: string[] = [];
    inVirtualTime(() => {
      supervise({ command: 'nginx' }, { driver: { processes: stopped }, stop$: timer(350) }).subscribe((event) => seen.push(`${event.type}@${event.at}`));
    });
    expect(seen).toEqual(['spawning@0', 'started@0', 'ready@0', 'exited@500', 'stopped@500']);
    expect(stopped.spawns).toHaveLength(1);
  });
});

describe('stopSignal', () => {
  it('is sent instead of SIGINT, then SIGKILL after the grace', () => {
    const driver = new FakeDriver({ onSigint: 'ignore' });
    inVirtualTime(() => {
      supervise({ command: 'nginx' }, { driver, stop$: timer(10), stopSignal: 'SIGQUIT', gracefulStopMs: 100 }).subscribe();
    });
    expect(driver.signalLog()).toEqual(['SIGQUIT 1000@10', 'SIGKILL 1000@110']);
  });

  it('refuses a name that is no signal', () => {
    expect(() => supervise({ command: 'x' }, { stopSignal: 'SIGNOPE' as NodeJS.Signals })).toThrow(
      "Expected the `stopSignal` option to be a signal name such as 'SIGTERM', got `SIGNOPE` (string).",
    );
  });
});
