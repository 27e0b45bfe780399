import { BehaviorSubject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { manage } from '../../lib/manager/manage.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { FakeDriver } from '../../lib/testing/fake-driver.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

const MIB = 1024 * 1024;

describe("rotation of a manager's logs (DESIGN Output)", () => {
  // Each service writes to its own file, one byte past 10 MiB from the start; the checks come every second.
  const rotatedAfterOneCheck = (desired: DesiredSet, options: { maxLogBytes?: number } = {}): Record<string, boolean> => {
    const driver = new FakeDriver();
    for (const id of Object.keys(desired)) driver.files.set(`/logs/${id}.log`, 'x'.repeat(10 * MIB + 1));
    inVirtualTime(({ cold }) => {
      manage(new BehaviorSubject(desired), { driver, ...options, kill$: cold('1500ms k') }).subscribe();
    });
    return Object.fromEntries(Object.keys(desired).map((id) => [id, driver.files.has(`/logs/${id}.log.1`)]));
  };

  it('is on by default: a log past 10 MiB is rotated at the next check, though no service sets maxLogBytes', () => {
    expect(rotatedAfterOneCheck({ web: { command: 'web', stdout: { file: '/logs/web.log' } } })).toEqual({ web: true });
  });

  it('a service’s own maxLogBytes wins, and 0 turns rotation off for it alone', () => {
    const desired: DesiredSet = {
      off: { command: 'off', stdout: { file: '/logs/off.log' }, maxLogBytes: 0 },
      big: { command: 'big', stdout: { file: '/logs/big.log' }, maxLogBytes: 20 * MIB },
      plain: { command: 'plain', stdout: { file: '/logs/plain.log' } },
    };
    expect(rotatedAfterOneCheck(desired)).toEqual({ off: false, big: false, plain: true });
  });

  it('the manager’s own maxLogBytes (0: off) is the default of its services', () => {
    expect(rotatedAfterOneCheck({ web: { command: 'web', stdout: { file: '/logs/web.log' } } }, { maxLogBytes: 0 })).toEqual({ web: false });
  });
});
