import { describe, expect, it } from 'vitest';
import { unifiedPathOf } from '../../../lib/process/cgroup/membership.js';

describe('unifiedPathOf', () => {
  it.each([
    ['the root, among v1 lines (a hybrid layout)', '9:name=systemd:/\n4:memory:/process_api/ee2f\n0::/\n', '/'],
    ['a systemd unit', '0::/system.slice/rxdaemon.service\n', '/system.slice/rxdaemon.service'],
    ['a v1 line that names the same path is not the v2 one', '1:name=systemd:/user.slice\n0::/user.slice/session-2.scope\n', '/user.slice/session-2.scope'],
    ['none: v1 only', '4:memory:/a\n1:cpu:/\n', undefined],
    ['none: outside the namespace (the kernel shows /..)', '0::/../../user.slice\n', undefined],
    ['none: empty', '', undefined],
  ])('%s', (_, text, path) => {
    expect(unifiedPathOf(text)).toBe(path);
  });
});
