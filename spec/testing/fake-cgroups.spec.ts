import { isLeft } from 'fp-ts/lib/Either.js';
import { timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { supervise } from '../../lib/daemon/supervise.js';
import { FakeCgroups } from '../../lib/testing/fake-cgroups.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

const ROOT = '/sys/fs/cgroup/fake.service';

describe('FakeCgroups: what a test of containment asks of the fake', () => {
  it('FakeDriver.withCgroups: the same fakes, with the cgroups as the fourth seam, so a daemon spawns into its cgroup', () => {
    const fake = new FakeDriver();
    const cgroups = new FakeCgroups(fake.processes);
    const driver = fake.withCgroups(cgroups);
    expect(driver).toEqual({ processes: fake.processes, system: fake.system, files: fake.files, cgroups });
    const dir = `${ROOT}/rxd-s/web`;
    inVirtualTime(() => {
      cgroups.create(ROOT, 's', 'web');
      supervise({ command: 'x' }, { driver, cgroup: dir, stop$: timer(10) }).subscribe();
    });
    expect(fake.spawns.map((spec) => spec.cgroup)).toEqual([dir]);
  });

  it('refuses an id that is a file of every cgroup v2 (EEXIST), as the kernel’s files in the scope’s cgroup are, and the manager’s own leaf (EINVAL)', () => {
    const cgroups = new FakeCgroups(new FakeDriver().processes);
    const refused = ['cgroup.procs', 'cgroup.kill', 'cpu.stat', 'supervisor'].map((id) => {
      const made = cgroups.create(ROOT, 's', id);
      return isLeft(made) ? made.left.code : 'made';
    });
    expect(refused).toEqual(['EEXIST', 'EEXIST', 'EEXIST', 'EINVAL']);
    expect(cgroups.create(ROOT, 's', 'cpu.worker')).toEqual({ _tag: 'Right', right: `${ROOT}/rxd-s/cpu.worker` });
    expect([...cgroups.dirs]).toEqual([`${ROOT}/rxd-s/cpu.worker`]);
  });

  it('records each removal with the virtual time, the cgroups below it included; a refused one (EBUSY, a process still in it) is not listed', () => {
    const fake = new FakeDriver();
    const cgroups = new FakeCgroups(fake.processes);
    const [web, api] = [`${ROOT}/rxd-s/web`, `${ROOT}/rxd-s/api`];
    const refusals: string[] = [];
    inVirtualTime(() => {
      cgroups.create(ROOT, 's', 'web');
      cgroups.create(ROOT, 's', 'api');
      const { pid } = fake.processes.addProcess({ cgroup: api });
      timer(100).subscribe(() => cgroups.remove(web));
      timer(200).subscribe(() => {
        const removed = cgroups.remove(`${ROOT}/rxd-s`);
        if (isLeft(removed)) refusals.push(removed.left.code);
        fake.processes.end(pid, { code: 0, signal: null });
      });
      timer(300).subscribe(() => cgroups.remove(`${ROOT}/rxd-s`));
    });
    expect(refusals).toEqual(['EBUSY']);
    expect(cgroups.removed).toEqual([
      { dir: web, at: 100 },
      { dir: `${ROOT}/rxd-s`, at: 300 },
    ]);
    expect([...cgroups.dirs]).toEqual([]);
  });
});
