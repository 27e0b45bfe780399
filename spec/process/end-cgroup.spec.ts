import { left, type Either } from 'fp-ts/lib/Either.js';
import { asyncScheduler, throwError, timer, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { FileProblem } from '../../lib/fs/file-problem.js';
import { endCgroup$ } from '../../lib/process/end-cgroup.js';
import { FakeCgroups } from '../../lib/testing/fake-cgroups.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

const DIR = '/sys/fs/cgroup/fake.service/rxd-s/web';

/** `kind@ms` of what endCgroup$ of DIR emitted, then `|@ms` at its completion; `setUp` runs first, in the same virtual time. */
const ending = (cgroups: FakeCgroups, setUp: () => void = () => undefined): string[] => {
  const seen: string[] = [];
  inVirtualTime(() => {
    setUp();
    endCgroup$(cgroups, DIR, asyncScheduler).subscribe({
      next: (end) => seen.push(`${end.kind}@${asyncScheduler.now()}`),
      complete: () => seen.push(`|@${asyncScheduler.now()}`),
    });
  });
  return seen;
};

describe('endCgroup$: cgroup.kill, then the wait until the cgroup is empty, within LEFTOVERS_WAIT_MS', () => {
  it('kills every process of the cgroup, escapees included, and is empty once the last is gone', () => {
    const fake = new FakeDriver();
    const cgroups = new FakeCgroups(fake.processes);
    const seen = ending(cgroups, () => {
      fake.processes.addProcess({ cgroup: DIR });
      fake.processes.addProcess({ cgroup: DIR, session: 4242, ppid: 1, onSigint: 'ignore' });
    });
    expect(seen).toEqual(['empty@0', '|@0']);
    expect(cgroups.kills).toEqual([{ dir: DIR, at: 0 }]);
    expect(cgroups.members(DIR)).toEqual([]);
  });

  it('is empty at once for a cgroup that holds nothing', () => {
    const fake = new FakeDriver();
    expect(ending(new FakeCgroups(fake.processes))).toEqual(['empty@0', '|@0']);
  });

  it('gives up after 1 s on a process that outlives the kill (uninterruptible sleep): outlived', () => {
    const fake = new FakeDriver();
    const cgroups = new FakeCgroups(fake.processes);
    const seen = ending(cgroups, () => {
      cgroups.stuck(fake.processes.addProcess({ cgroup: DIR }).pid);
    });
    expect(seen).toEqual(['outlived@1000', '|@1000']);
  });

  it('is empty when the stuck process ends within the second', () => {
    const fake = new FakeDriver();
    const cgroups = new FakeCgroups(fake.processes);
    const seen = ending(cgroups, () => {
      const { pid } = fake.processes.addProcess({ cgroup: DIR });
      cgroups.stuck(pid);
      timer(400).subscribe(() => { fake.processes.end(pid, { code: null, signal: 'SIGKILL' }); });
    });
    expect(seen).toEqual(['empty@400', '|@400']);
  });

  it('says why a kill was refused, and waits for nothing', () => {
    const fake = new FakeDriver();
    class Refusing extends FakeCgroups {
      override kill(): Either<FileProblem, void> {
        return left({ code: 'EACCES', message: 'cannot write cgroup.kill: EACCES' });
      }
    }
    const seen: string[] = [];
    inVirtualTime(() => {
      fake.processes.addProcess({ cgroup: DIR });
      endCgroup$(new Refusing(fake.processes), DIR, asyncScheduler).subscribe((end) => seen.push(end.kind === 'not-killed' ? `${end.kind}: ${end.problem.code}@${asyncScheduler.now()}` : end.kind));
    });
    expect(seen).toEqual(['not-killed: EACCES@0']);
  });

  it('kills, and says so, where the cgroup.events cannot be watched (past the inotify limit): never a stream error', () => {
    const fake = new FakeDriver();
    class Unwatchable extends FakeCgroups {
      override populated$(): Observable<boolean> {
        return throwError(() => Object.assign(new Error('watch: ENOSPC'), { code: 'ENOSPC' }));
      }
    }
    const cgroups = new Unwatchable(fake.processes);
    const seen = ending(cgroups, () => {
      fake.processes.addProcess({ cgroup: DIR });
    });
    expect(seen).toEqual(['unwatched@0', '|@0']);
    expect(cgroups.kills).toEqual([{ dir: DIR, at: 0 }]);
  });
});
