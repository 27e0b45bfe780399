import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideContainment } from '../../lib/process/cgroup/containment.js';
import { discoverCgroups } from '../../lib/process/cgroup/discovery.js';
import { limitControllers, limitWrites } from '../../lib/process/cgroup/limits.js';
import { unifiedPathOf } from '../../lib/process/cgroup/membership.js';
import { cgroup2Mounts } from '../../lib/process/cgroup/mountinfo.js';
import { bundleForAnyone, type Shared } from '../helpers/bundle.js';
import { hierarchy, noCgroups } from '../helpers/cgroup.js';

// Discovery on this machine, as root and as nobody.

const FIXTURE = fileURLToPath(new URL('../fixtures/cgroup-discovery.ts', import.meta.url));
const NOBODY = 65534;

describe.skipIf(noCgroups !== undefined)(`discovery on this machine${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  let fixture: Shared;
  beforeAll(() => {
    fixture = bundleForAnyone(FIXTURE);
  });
  afterAll(() => {
    fixture.remove();
  });

  it('as root: the cgroup2 mount of mountinfo and this process’s own cgroup, writable', () => {
    const mount = cgroup2Mounts(readFileSync('/proc/self/mountinfo', 'latin1'))[0];
    const path = unifiedPathOf(readFileSync('/proc/self/cgroup', 'latin1'));
    const own = path === '/' ? mount?.mountPoint : `${mount?.mountPoint ?? ''}${path ?? ''}`;
    expect(discoverCgroups()).toMatchObject({ _tag: 'Right', right: { mountPoint: mount?.mountPoint, own } });
    expect(decideContainment('auto', discoverCgroups)).toMatchObject({ _tag: 'Right', right: { mode: 'cgroup' } });
  });

  it('as nobody: not writable, so `auto` falls back to process groups and `cgroup` is refused, each saying what is missing', () => {
    const out = execFileSync(process.execPath, [fixture.path], { cwd: '/', uid: NOBODY, gid: NOBODY, encoding: 'utf8' });
    const { discovered, auto, cgroup } = JSON.parse(out) as Record<string, unknown>;
    const root = hierarchy?.root ?? '';
    const message = `this process may not write ${root}: run the manager as root, in a systemd unit with Delegate=yes, or in a container with a writable cgroup namespace`;
    expect(discovered).toEqual({ _tag: 'Left', left: { code: 'ECGROUP', missing: 'write-access', message } });
    expect(auto).toEqual({ _tag: 'Right', right: { mode: 'process-group', reason: `cgroups cannot be used: ${message}; each service is a process group` } });
    expect(cgroup).toEqual({ _tag: 'Left', left: { code: 'ECGROUP', missing: 'write-access', message: `containment 'cgroup' cannot be had: ${message}` } });
  });

  it('a configured root reached through a symlink is refused, never followed', () => {
    const temp = mkdtempSync(join(tmpdir(), 'rxdaemon-cgroup-'));
    try {
      const link = join(temp, 'link');
      symlinkSync(hierarchy?.root ?? '/', link);
      expect(discoverCgroups({ root: link })).toMatchObject({ _tag: 'Left', left: { missing: 'root' } });
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  });

  it.skipIf(hierarchy?.controllers.includes('memory') === true)(
    `a limit whose controller is not in cgroup v2 here is refused: ELIMITS, naming it${hierarchy?.controllers.includes('memory') === true ? ' (skipped: the memory controller is here)' : ''}`,
    () => {
      if (hierarchy === undefined) throw new Error('skipped above where there are no cgroups');
      expect(limitControllers(limitWrites({ memoryMax: 2 ** 28 }), hierarchy)).toMatchObject({ _tag: 'Left', left: { code: 'ELIMITS', option: 'memoryMax', controller: 'memory' } });
    },
  );
});
