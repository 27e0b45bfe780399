// P2: how soon stop() resolves after a cooperative child exits: for a child
// of ours (its exit is an event) and for an adopted process (its exit is
// polled, fast while stopping). The baseline is a plain kill and 'exit' wait.
import { spawn, type ChildProcess } from 'node:child_process';
import { Daemon, supervise } from '../lib/index.js';
import { readProcStat } from '../lib/process/proc-stat.js';
import { filter, firstValueFrom, Subject } from 'rxjs';
import { median, now, type Row } from './measure.js';

const sleeper = (): ChildProcess => spawn('sleep', ['1000'], { stdio: 'ignore', detached: true });

/** kill(SIGINT) to 'exit' of a plain child: what the OS and Node take, whoever supervises. */
const plainStop = async (): Promise<number> => {
  const child = sleeper();
  await new Promise((resolve) => child.once('spawn', resolve));
  const start = now();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
  return now() - start;
};

const daemonStop = async (): Promise<number> => {
  const daemon = new Daemon({ command: 'sleep', args: ['1000'] });
  const started = firstValueFrom(daemon.events$.pipe(filter((event) => event.type === 'started')));
  daemon.start();
  await started;
  const start = now();
  await daemon.stop();
  return now() - start;
};

const adoptedStop = async (): Promise<number> => {
  const child = sleeper();
  await new Promise((resolve) => child.once('spawn', resolve));
  const pid = child.pid ?? -1;
  child.unref();
  const stop$ = new Subject<void>();
  const events$ = supervise({ command: 'sleep', args: ['1000'] }, { adopt: { pid, startTime: readProcStat(pid)?.startTime ?? null }, stop$ });
  const stopped = firstValueFrom(events$.pipe(filter((event) => event.type === 'stopped')));
  const start = now();
  stop$.next();
  await stopped;
  return now() - start;
};

const medianOf = async (runs: number, measure: () => Promise<number>): Promise<number> => {
  const results: number[] = [];
  for (let i = 0; i < runs; i++) results.push(await measure());
  return median(results);
};

export const stopLatency = async (quick: boolean): Promise<Row[]> => {
  const runs = quick ? 3 : 25;
  const baseline = await medianOf(runs, plainStop);
  const child = await medianOf(runs, daemonStop);
  const adopted = await medianOf(runs, adoptedStop);
  return [
    { target: 'P2', subject: 'kill + exit of a plain child (baseline)', value: baseline, unit: 'ms', ratio: 1 },
    { target: 'P2', subject: 'stop() of a child, beyond the baseline', value: child - baseline, unit: 'ms', goal: '≤ 20 ms', met: child - baseline <= 20 },
    { target: 'P2', subject: 'stop() of an adopted process, beyond the baseline', value: adopted - baseline, unit: 'ms', goal: '≤ 50 ms', met: adopted - baseline <= 50 },
  ];
};
