import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatLastExit, statusTable } from '../../lib/cli/status-table.js';
import type { DaemonReport } from '../../lib/manager/control-protocol.js';

const NOW = 1_800_000_000_000;
const report = (fields: Partial<DaemonReport> & { id: string }): DaemonReport => ({
  status: 'running',
  pid: null,
  since: null,
  uptimeMs: null,
  restarts: 0,
  lastExit: null,
  cpuPercent: null,
  rssBytes: null,
  cause: null,
  ...fields,
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m00s'],
    [754_000, '12m34s'],
    [3_600_000, '1h00m'],
    [11_220_000, '3h07m'],
    [86_400_000, '1d00h'],
    [187_200_000, '2d04h'],
    [-5, '0s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatBytes', () => {
  it.each([
    [512, '512B'],
    [1024, '1.00K'],
    [831_488, '812K'],
    [13_002_342, '12.4M'],
    [1_095_216_660, '1.02G'],
  ])('%d is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('formatLastExit', () => {
  it.each([
    [{ code: 3, signal: null, at: NOW - 12_000 }, 'code 3, 12s ago'],
    [{ code: null, signal: 'SIGTERM', at: NOW - 125_000, reason: 'stop' }, 'SIGTERM (stop), 2m05s ago'],
    [{ code: null, signal: null, at: NOW }, 'ended, 0s ago'],
  ])('%j', (exit, text) => {
    expect(formatLastExit(exit, NOW)).toBe(text);
  });
});

describe('statusTable', () => {
  const reports = [
    report({ id: 'web', pid: 4242, uptimeMs: 11_220_000, cpuPercent: 0.3, rssBytes: 13_002_342 }),
    report({ id: 'api-gateway', status: 'waiting', restarts: 12, lastExit: { code: 1, signal: null, at: NOW - 3_000 }, cause: 'exited with code 1: EADDRINUSE' }),
    report({ id: 'db', status: 'idle', cause: 'waiting for certs to be ready' }),
  ];

  it('aligns every column to its widest cell, numbers to the right, CAUSE last', () => {
    expect(statusTable(reports, { colour: false, now: NOW })).toBe(
      [
        'ID           STATE     PID  UPTIME  RESTARTS  LAST EXIT        CPU    MEM  CAUSE',
        'web          running  4242   3h07m         0  -               0.3%  12.4M',
        'api-gateway  waiting     -       -        12  code 1, 3s ago     -      -  exited with code 1: EADDRINUSE',
        'db           idle        -       -         0  -                  -      -  waiting for certs to be ready',
        '',
      ].join('\n'),
    );
  });

  it('has no CAUSE column when nothing is in trouble', () => {
    const [header] = statusTable([reports[0] as DaemonReport], { colour: false, now: NOW }).split('\n');
    expect(header).toBe('ID   STATE     PID  UPTIME  RESTARTS  LAST EXIT   CPU    MEM');
  });

  it('colours the state, a failed exit and the cause only when asked, and aligns as without colour', () => {
    const plain = statusTable(reports, { colour: false, now: NOW });
    const coloured = statusTable(reports, { colour: true, now: NOW });
    expect(plain).not.toContain('\u001B[');
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\u001B\[\d+m/g, '')).toBe(plain);
    expect(coloured).toContain('\u001B[32mrunning\u001B[39m');
    expect(coloured).toContain('\u001B[33mwaiting\u001B[39m');
    expect(coloured).toContain('\u001B[31mcode 1, 3s ago\u001B[39m');
    expect(coloured).toContain('\u001B[31mexited with code 1: EADDRINUSE\u001B[39m');
  });

  it('a stop the operator asked for is no failure: not red, nor is a wait for what a service starts after', () => {
    const stopped = [report({ id: 'web', status: 'stopped', lastExit: { code: null, signal: 'SIGINT', at: NOW, reason: 'stop' }, cause: 'stopped on request' })];
    const coloured = statusTable(stopped, { colour: true, now: NOW });
    expect(coloured).toContain('stopped on request');
    expect(coloured).not.toContain('\u001B[31m');
    expect(statusTable([reports[2] as DaemonReport], { colour: true, now: NOW })).not.toContain('\u001B[31m');
  });

  it('a policy that gave up: its cause in red', () => {
    const gaveUp = [report({ id: 'mailer', status: 'gave-up', cause: 'gave up after 5 restarts in 60 s; last: exited with code 1' })];
    expect(statusTable(gaveUp, { colour: true, now: NOW })).toContain('\u001B[31mgave up after 5 restarts in 60 s; last: exited with code 1\u001B[39m');
  });
});
