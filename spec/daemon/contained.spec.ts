import { defer, takeWhile, timer, type Observable } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { supervise } from '../../lib/daemon/supervise.js';
import type { DaemonEvent } from '../../lib/events.js';
import { noRestart } from '../../lib/policy/no-restart.js';
import { FakeCgroups, type FakeCgroupsOptions } from '../../lib/testing/fake-cgroups.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import type { Script } from '../../lib/testing/script.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

const DIR = '/sys/fs/cgroup/fake.service/rxd-s/web';

/** A fake driver whose processes have cgroups. */
const containedDriver = (script: Script = {}, options: FakeCgroupsOptions = {}) => {
  const fake = new FakeDriver(script);
  const cgroups = new FakeCgroups(fake.processes, options);
  return { fake, cgroups, driver: fake.withCgroups(cgroups) };
};

/** `type@ms` of each event (with `reason` where an exited has one), up to `until`; `setUp` runs inside the same virtual time, first. */
const seen = (events$: () => Observable<DaemonEvent>, setUp: () => void = () => undefined, until = 1_000_000): string[] => {
  const lines: string[] = [];
  inVirtualTime(() => {
    setUp();
    events$()
      .pipe(takeWhile((event) => event.at <= until))
      .subscribe((event) => lines.push(`${event.type}@${event.at}${event.type === 'exited' && event.reason !== undefined ? `:${event.reason}` : ''}`));
  });
  return lines;
};

/** A process that left the leader's group (setsid, a double fork) but not its cgroup, added `atMs` in: it ignores SIGINT. */
const escapeeAt = (fake: FakeDriver, atMs: number): void => {
  timer(atMs).subscribe(() => fake.processes.addProcess({ cgroup: DIR, session: 4242, ppid: 1, onSigint: 'ignore' }));
};

describe('a daemon in its cgroup (Containment), in virtual time', () => {
  it('spawns into its cgroup and says so', () => {
    const { fake, driver } = containedDriver();
    const lines = seen(() => supervise({ command: 'x' }, { driver, cgroup: DIR, stop$: timer(10) }));
    expect(lines).toEqual(['spawning@0', 'started@0', 'ready@0', 'stopping@10', 'exited@10:stop', 'stopped@10']);
    expect(fake.spawns[0]?.cgroup).toBe(DIR);
  });

  it('an escapee never adds the grace: once the leader has exited, the cgroup is killed and stopped comes when it is empty', () => {
    const { fake, cgroups, driver } = containedDriver({ onSigint: { exitAfterMs: 100, exitCode: 0 } });
    const lines = seen(
      () => supervise({ command: 'x' }, { driver, cgroup: DIR, gracefulStopMs: 20_000, stop$: timer(1_000) }),
      () => { escapeeAt(fake, 50); },
    );
    expect(lines).toEqual(['spawning@0', 'started@0', 'ready@0', 'stopping@1000', 'exited@1100:stop', 'stopped@1100']);
    expect(cgroups.kills).toEqual([{ dir: DIR, at: 1_100 }]);
    expect(cgroups.members(DIR)).toEqual([]);
  });

  it('without a cgroup the same escapee outlives the stop (what containment is for)', () => {
    const fake = new FakeDriver({ onSigint: { exitAfterMs: 100, exitCode: 0 } });
    let escapee = 0;
    const lines = seen(
      () => supervise({ command: 'x' }, { driver: fake, gracefulStopMs: 20_000, stop$: timer(1_000) }),
      () => timer(50).subscribe(() => (escapee = fake.processes.addProcess({ session: 4242, onSigint: 'ignore' }).pid)),
    );
    expect(lines.at(-1)).toBe('stopped@1100');
    expect(fake.processes.get(escapee)?.alive).toBe(true);
  });

  it('at the end of the grace, cgroup.kill ends every process of the service instead of a SIGKILL to the leader', () => {
    const { fake, cgroups, driver } = containedDriver({ onSigint: 'ignore' });
    const lines = seen(
      () => supervise({ command: 'x' }, { driver, cgroup: DIR, gracefulStopMs: 3_000, stop$: timer(100) }),
      () => { escapeeAt(fake, 50); },
    );
    expect(lines).toEqual(['spawning@0', 'started@0', 'ready@0', 'stopping@100', 'killing@3100', 'exited@3100:stop', 'stopped@3100']);
    expect(fake.signalLog()).toEqual(['SIGINT 1000@100']);
    // The leader's exit may be seen before the escapee's death, and the cgroup is killed once more then: harmless.
    expect(new Set(cgroups.kills.map(({ dir, at }) => `${dir}@${at}`))).toEqual(new Set([`${DIR}@3100`]));
    expect(cgroups.members(DIR)).toEqual([]);
  });

  it('a leader that dies unasked takes the rest of its cgroup with it before its exited, and the next run starts alone', () => {
    const { fake, cgroups, driver } = containedDriver((spawn) => (spawn === 1 ? { exitAfterMs: 500, exitCode: 3 } : {}));
    const lines = seen(
      () => supervise({ command: 'x' }, { driver, cgroup: DIR, stop$: timer(2_000) }),
      () => { escapeeAt(fake, 50); },
    );
    expect(lines.slice(0, 7)).toEqual(['spawning@0', 'started@0', 'ready@0', 'exited@500', 'spawning@500', 'started@500', 'ready@500']);
    expect(cgroups.kills[0]).toEqual({ dir: DIR, at: 500 });
    expect(cgroups.members(DIR).map(({ pid }) => pid)).toEqual([]);
  });

  it('an adopted process in its cgroup is seen gone the moment the cgroup empties, though it is polled every 10 s', () => {
    const { fake, driver } = containedDriver();
    const lines = seen(() => {
      const adoptee = fake.processes.addProcess({ cgroup: DIR, exitAfterMs: 500 });
      return supervise({ command: 'x' }, { driver, cgroup: DIR, pollIntervalMs: 10_000, restart: noRestart, adopt: { pid: adoptee.pid, startTime: adoptee.startTime } });
    });
    expect(lines).toEqual(['adopted@0', 'ready@0', 'exited@500', 'completed@500']);
  });

  it('an adopted process outside the cgroup (started by 0.2) is polled at its own rate, as before', () => {
    const { fake, driver } = containedDriver();
    const lines = seen(() => {
      const adoptee = fake.processes.addProcess({ exitAfterMs: 500 });
      return supervise({ command: 'x' }, { driver, cgroup: DIR, pollIntervalMs: 1_000, restart: noRestart, adopt: { pid: adoptee.pid, startTime: adoptee.startTime } });
    });
    expect(lines).toEqual(['adopted@0', 'ready@0', 'exited@1000', 'completed@1000']);
  });

  it('an adopted leader that dies while its child lives on is caught by the poll at a sixtieth of its rate, and the child is ended', () => {
    const { fake, cgroups, driver } = containedDriver();
    const lines = seen(() => {
      const adoptee = fake.processes.addProcess({ cgroup: DIR, exitAfterMs: 500 });
      fake.processes.addProcess({ cgroup: DIR, session: adoptee.pid });
      return supervise({ command: 'x' }, { driver, cgroup: DIR, pollIntervalMs: 1_000, restart: noRestart, adopt: { pid: adoptee.pid, startTime: adoptee.startTime } });
    });
    expect(lines).toEqual(['adopted@0', 'ready@0', 'stable@10000', 'exited@60000', 'completed@60000']);
    expect(cgroups.members(DIR)).toEqual([]);
  });

  it('a stop of an adopted process in its cgroup keeps the watches of its adoption: one of cgroup.events, one of the process, and no look once the emptying told the end', () => {
    const fake = new FakeDriver();
    /** Counts the watches of cgroup.events set up, as fs.watch would be called. */
    class CountingCgroups extends FakeCgroups {
      watches = 0;
      override populated$(dir: string): Observable<boolean> {
        return defer(() => {
          this.watches += 1;
          return super.populated$(dir);
        });
      }
    }
    const cgroups = new CountingCgroups(fake.processes);
    const driver = fake.withCgroups(cgroups);
    const processWatches = vi.spyOn(fake.processes, 'watch');
    const looks = vi.spyOn(cgroups, 'isPopulated');
    const lines = seen(() => {
      const adoptee = fake.processes.addProcess({ cgroup: DIR });
      return supervise({ command: 'x' }, { driver, cgroup: DIR, restart: noRestart, stop$: timer(1_000), adopt: { pid: adoptee.pid, startTime: adoptee.startTime } });
    });
    expect(lines).toEqual(['adopted@0', 'ready@0', 'stopping@1000', 'exited@1000:stop', 'stopped@1000']);
    expect(cgroups.watches).toBe(1);
    expect(processWatches).toHaveBeenCalledTimes(1);
    // The one watch's looks (FakeCgroups reads through isPopulated): at its start and at the adoptee's end; none by the run's end.
    expect(looks).toHaveBeenCalledTimes(2);
  });

  it("an OOM kill in the cgroup is exited with reason 'oom', not requested, and the policy restarts it", () => {
    const { cgroups, driver } = containedDriver({}, { controllers: ['memory'] });
    const lines = seen(
      () => supervise({ command: 'x' }, { driver, cgroup: DIR, stop$: timer(1_000) }),
      () => timer(300).subscribe(() => { cgroups.oomKill(DIR, 1000); }),
    );
    expect(lines.slice(0, 5)).toEqual(['spawning@0', 'started@0', 'ready@0', 'exited@300:oom', 'spawning@300']);
    expect(lines.at(-2)).toBe('exited@1000:stop');
  });
});
