import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import type { DaemonState } from '../../lib/daemon/state.js';
import { prometheusText } from '../../lib/metrics/prometheus-text.js';
import type { Usage } from '../../lib/metrics/usage.js';

const NAMES = [
  'rxdaemon_up',
  'rxdaemon_ready',
  'rxdaemon_restarts_total',
  'rxdaemon_start_time_seconds',
  'rxdaemon_cpu_seconds_total',
  'rxdaemon_memory_bytes',
  'rxdaemon_last_exit_code',
];

const SINCE = 1_800_000_000_250;

// One fleet with every case the metrics tell apart.
const STATES = new Map<string, DaemonState>([
  ['web', { status: 'running', pid: 812, attempt: 1, restarts: 2, since: SINCE, lastExit: { code: 1, signal: null, at: SINCE - 5 } }],
  ['db', { status: 'starting', pid: 813, attempt: 1, restarts: 0, since: SINCE, cause: 'not ready yet' }],
  ['old', { status: 'stopping', pid: 814, attempt: 1, restarts: 0, since: SINCE, cause: 'stopping on request' }],
  ['killed', { status: 'waiting', attempt: 4, restarts: 3, lastExit: { code: null, signal: 'SIGKILL', at: SINCE }, cause: 'killed by SIGKILL' }],
  ['migrate', { status: 'completed', attempt: 1, restarts: 0, lastExit: { code: 0, signal: null, at: SINCE }, cause: 'exited with code 0' }],
  ['new', { status: 'idle', attempt: 0, restarts: 0, cause: 'not started' }],
  ['left', { status: 'closed', pid: 815, attempt: 1, restarts: 0, since: SINCE, cause: 'closed' }],
]);
const USAGE = new Map<string, Usage>([['web', { cpuSeconds: 1.27, memoryBytes: 48_955_392 }]]);

/** The samples of each family, by id, as the parser read them. */
const samples = (families: readonly ParsedFamily[]): Record<string, Record<string, string>> =>
  Object.fromEntries(families.map((family) => [family.name, Object.fromEntries(family.metrics.map((sample) => [sample.labels?.id ?? '', sample.value]))]));

describe('prometheusText(states, usage?): the text exposition format, read back by a parser of that format', () => {
  it('every metric once, in one group, with its HELP and TYPE; a sample per id where it says something; no timestamps', () => {
    const families = parsePrometheusTextFormat(prometheusText(STATES, USAGE));
    expect(families.map(({ name }) => name)).toEqual(NAMES);
    expect(families.map(({ type }) => type)).toEqual(['GAUGE', 'GAUGE', 'COUNTER', 'GAUGE', 'COUNTER', 'GAUGE', 'GAUGE']);
    for (const family of families) expect(family.help).not.toBe('');
    expect(families.flatMap(({ metrics }) => metrics).filter((sample) => 'timestamp_ms' in sample)).toEqual([]);
    expect(samples(families)).toEqual({
      // A process runs while starting and stopping too; a closed daemon's process is no longer supervised.
      rxdaemon_up: { web: '1', db: '1', old: '1', killed: '0', migrate: '0', new: '0', left: '0' },
      rxdaemon_ready: { web: '1', db: '0', old: '0', killed: '0', migrate: '0', new: '0', left: '0' },
      rxdaemon_restarts_total: { web: '2', db: '0', old: '0', killed: '3', migrate: '0', new: '0', left: '0' },
      rxdaemon_start_time_seconds: { web: '1800000000.25', db: '1800000000.25', old: '1800000000.25' },
      rxdaemon_cpu_seconds_total: { web: '1.27' },
      rxdaemon_memory_bytes: { web: '48955392' },
      // 128 + 9 for SIGKILL, as a shell says it; none before the first exit.
      rxdaemon_last_exit_code: { web: '1', killed: '137', migrate: '0' },
    });
  });

  it('without usage: no CPU or memory sample, the families still declared', () => {
    const families = parsePrometheusTextFormat(prometheusText(STATES));
    expect(families.map(({ name }) => name)).toEqual(NAMES);
    expect(samples(families).rxdaemon_cpu_seconds_total).toEqual({});
    expect(samples(families).rxdaemon_memory_bytes).toEqual({});
  });

  it('an id with a backslash, a double quote and a line feed is escaped as the format says, and read back whole', () => {
    const id = 'a\\b"c\nd';
    const text = prometheusText(new Map([[id, STATES.get('web') as DaemonState]]));
    expect(text).toContain('rxdaemon_up{id="a\\\\b\\"c\\nd"} 1\n');
    // Five samples: a running daemon has all but CPU and memory, which come from usage.
    expect(parsePrometheusTextFormat(text).flatMap((family) => family.metrics.map((sample) => sample.labels?.id))).toEqual([id, id, id, id, id]);
  });

  it('no daemons: the seven families declared, no sample', () => {
    const text = prometheusText(new Map());
    expect(text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))).toEqual([]);
    expect(parsePrometheusTextFormat(text).map(({ name }) => name)).toEqual(NAMES);
  });
});
