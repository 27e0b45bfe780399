import { describe, expect, it } from 'vitest';
import type { Look } from '../../lib/cli/status-look.js';
import { isAsItShouldBe, statusExit, statusHeader } from '../../lib/cli/status-verdict.js';
import type { DaemonReport } from '../../lib/manager/control-protocol.js';

const NOW = 1_800_000_000_000;
const report = (status: string, lastExit: DaemonReport['lastExit'] = null): DaemonReport => ({
  id: status,
  status,
  pid: null,
  since: null,
  uptimeMs: null,
  restarts: 0,
  lastExit,
  cpuPercent: null,
  rssBytes: null,
  cause: null,
});
const managerLook = (...reports: DaemonReport[]): Look => ({ kind: 'manager', pid: 8123, since: NOW - 11_220_000, config: '/etc/rxdaemon/services.json', reports });

describe('status as a probe: which services are as they should be', () => {
  it.each([
    [report('running'), true],
    // Stopped on request (under a manager, nothing else stops a service that stays configured).
    [report('stopped'), true],
    // A one-shot that did its work.
    [report('completed', { code: 0, signal: null, at: NOW }), true],
    [report('completed', { code: 3, signal: null, at: NOW }), false],
    [report('completed', { code: null, signal: 'SIGKILL', at: NOW }), false],
    // Not yet running: its process runs, but is not ready.
    [report('starting'), false],
    [report('spawning'), false],
    [report('waiting', { code: 1, signal: null, at: NOW }), false],
    [report('idle'), false],
    [report('stopping'), false],
    [report('gave-up', { code: 1, signal: null, at: NOW }), false],
  ])('%j: %s', (service, ok) => {
    expect(isAsItShouldBe(service)).toBe(ok);
  });

  it('exit 0 when every service is as it should be (none configured included), 1 when one is not', () => {
    expect(statusExit(managerLook())).toBe(0);
    expect(statusExit(managerLook(report('running'), report('stopped'), report('completed', { code: 0, signal: null, at: NOW })))).toBe(0);
    expect(statusExit(managerLook(report('running'), report('starting')))).toBe(1);
    expect(statusExit(managerLook(report('running'), report('gave-up')))).toBe(1);
  });

  it('exit 3 when no manager runs, whatever the records hold; 1 when a manager runs but does not answer, or nothing could be read', () => {
    expect(statusExit({ kind: 'records', dataDir: '/d', reports: [] })).toBe(3);
    expect(statusExit({ kind: 'records', dataDir: '/d', reports: [report('alive')] })).toBe(3);
    expect(statusExit({ kind: 'records', dataDir: '/d', silent: { pid: 7, controlPath: '/d/control.sock' }, reports: [report('alive')] })).toBe(1);
    expect(statusExit({ kind: 'failed', message: 'there is no data dir /d' })).toBe(1);
  });
});

describe('status header', () => {
  it('the manager: its pid, its uptime as the table spells one, and the config it serves', () => {
    expect(statusHeader(managerLook(), NOW)).toBe('manager 8123 · up 3h07m · /etc/rxdaemon/services.json');
  });

  it('an older manager, which tells neither its start nor its config: its pid alone', () => {
    expect(statusHeader({ kind: 'manager', pid: 8123, reports: [] }, NOW)).toBe('manager 8123');
  });

  it('no manager: that none runs on the data dir, and what the table then lacks; a silent manager: its pid and its socket', () => {
    expect(statusHeader({ kind: 'records', dataDir: '/var/lib/rxd', reports: [] }, NOW)).toBe('no manager runs (data dir /var/lib/rxd) · from its records: no CPU, restarts or last exit');
    expect(statusHeader({ kind: 'records', dataDir: '/var/lib/rxd', silent: { pid: 7, controlPath: '/var/lib/rxd/control.sock' }, reports: [] }, NOW)).toBe(
      'manager 7 does not answer at /var/lib/rxd/control.sock · from its records: no CPU, restarts or last exit',
    );
  });
});
