import { constants } from 'node:os';
import { hasProcess, type DaemonState, type LastExit } from '../daemon/state.js';
import type { Usage } from './usage.js';

/** One metric family: its name, type, help, and its value for a daemon (none: no sample for it). */
interface Family {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly help: string;
  readonly value: (state: DaemonState, usage: Usage | undefined) => number | undefined;
}

/** How the shell says a run ended: its code, or 128 + the signal's number for a death by signal; none when neither is known. */
const exitCodeOf = ({ code, signal }: LastExit): number | undefined => (signal === null ? (code ?? undefined) : 128 + constants.signals[signal]);

const flag = (yes: boolean): number => (yes ? 1 : 0);

const FAMILIES: readonly Family[] = [
  { name: 'rxdaemon_up', type: 'gauge', help: 'Whether a process of the service runs (1), ready or not yet.', value: (s) => flag(hasProcess(s)) },
  { name: 'rxdaemon_ready', type: 'gauge', help: 'Whether the service is ready (1): its process runs and passed its ready check.', value: (s) => flag(s.status === 'running') },
  { name: 'rxdaemon_restarts_total', type: 'counter', help: 'Spawns of the service after its first run.', value: (s) => s.restarts },
  { name: 'rxdaemon_start_time_seconds', type: 'gauge', help: 'When the running process started, in seconds since the epoch.', value: (s) => (hasProcess(s) && s.since !== undefined ? s.since / 1000 : undefined) },
  { name: 'rxdaemon_cpu_seconds_total', type: 'counter', help: 'User and system CPU time of the running service, in seconds: its whole tree where it runs in a cgroup, else its process.', value: (_, u) => u?.cpuSeconds },
  { name: 'rxdaemon_memory_bytes', type: 'gauge', help: 'Memory of the running service, in bytes: its cgroup\'s where the memory controller counts it, else its process\'s resident memory.', value: (_, u) => u?.memoryBytes },
  { name: 'rxdaemon_last_exit_code', type: 'gauge', help: 'How the last run ended: its exit code, or 128 + the signal number for a death by signal.', value: (s) => (s.lastExit === undefined ? undefined : exitCodeOf(s.lastExit)) },
];

// The text format's escapes in a label value: backslash, double quote and line feed.
const escapeLabel = (value: string): string => value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

/** A sample value as the format spells it (Go's ParseFloat reads JS's `1e+21`, `Infinity` is `+Inf`). */
const valueText = (value: number): string => (Number.isFinite(value) ? String(value) : Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf');

/**
 * Prometheus' text exposition format (version 0.0.4) of a fleet's states,
 * as node_exporter's textfile collector and a `/metrics` endpoint take it:
 * each metric with its `# HELP` and `# TYPE`, one sample a daemon labelled
 * `id`, and no timestamps (the textfile collector refuses them).
 * `rxdaemon_up` is 1 while a process runs (`starting` and `stopping`
 * included), `rxdaemon_ready` only when it is ready;
 * `rxdaemon_start_time_seconds` is of the running process;
 * `rxdaemon_last_exit_code` is 128 + the signal's number for a death by
 * signal, absent before the first exit. CPU and memory come from `usage`
 * (a state does not hold them; see {@link readUsage}: the service's whole
 * tree where it runs in a cgroup): without an entry for an id, its samples
 * are absent. Pure: reads nothing.
 *
 * @example
 * const manager = new Manager(of({ web: { command: 'sleep', args: ['60'] } }));
 * manager.states$.pipe(take(1)).subscribe((states) => {
 *   process.stdout.write(prometheusText(states, readUsage(states)));
 * });
 */
export const prometheusText = (states: ReadonlyMap<string, DaemonState>, usage: ReadonlyMap<string, Usage> = new Map()): string =>
  FAMILIES.map(({ name, type, help, value }) => {
    const samples = [...states].flatMap(([id, state]) => {
      const sample = value(state, usage.get(id));
      return sample === undefined ? [] : [`${name}{id="${escapeLabel(id)}"} ${valueText(sample)}\n`];
    });
    return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${samples.join('')}`;
  }).join('');
