// P3: 1,000 supervised `sleep` processes: the supervisor's memory for each,
// its CPU while idle, and how long stopping them all takes; then 1,000
// adopted ones, polled at 1 Hz. The peers: respawn stops a fleet of its own;
// supervisord and s6, when installed, show their memory per supervised
// process and stop a fleet of theirs (see peers.ts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import respawn from 'respawn';
import { filter, firstValueFrom, Subject, type Subscription } from 'rxjs';
import { Daemon, supervise } from '../lib/index.js';
import { readProcStat } from '../lib/process/proc-stat.js';
import { median, now, sleep, type Row } from './measure.js';
import { installedPeers, peerFleet } from './peers.js';

/** Share of one core used over `ms` of wall time. */
const idleCpu = async (ms: number): Promise<number> => {
  const before = process.cpuUsage();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1_000 / ms;
};

const spawnSleepers = async (count: number): Promise<ChildProcess[]> => {
  const children = Array.from({ length: count }, () => spawn('sleep', ['1000'], { stdio: 'ignore', detached: true }));
  await Promise.all(children.map((child) => new Promise((resolve) => child.once('spawn', resolve))));
  return children;
};

const killAll = async (children: readonly ChildProcess[]): Promise<void> => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGKILL');
        }),
    ),
  );
};

const MEMORY_WORKER = fileURLToPath(new URL('memory-worker.mjs', import.meta.url));

/** KB of RSS and of heap one more process costs a fresh Node process, supervised or plain (see memory-worker.mjs). */
const memoryOf = (mode: 'plain' | 'supervised', count: number): { rssKb: number; heapKb: number } => {
  // The nursery is capped (1 MB semi-spaces) for both: otherwise pages of Node's 32 MB young generation,
  // first touched while the measured batch starts, count as per-process memory they are not (8–14 KB each, at random).
  const out = execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', MEMORY_WORKER, mode, String(count)], { encoding: 'utf8' });
  return JSON.parse(out) as { rssKb: number; heapKb: number };
};

/** The median of several rounds, plain and supervised alternating, so a noisy moment weighs on both. */
const memory = (count: number, rounds: number) => {
  const plain: { rssKb: number; heapKb: number }[] = [];
  const ours: { rssKb: number; heapKb: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    plain.push(memoryOf('plain', count));
    ours.push(memoryOf('supervised', count));
  }
  const of = (runs: typeof plain, key: 'rssKb' | 'heapKb') => median(runs.map((run) => run[key]));
  return { plainRss: of(plain, 'rssKb'), oursRss: of(ours, 'rssKb'), plainHeap: of(plain, 'heapKb'), oursHeap: of(ours, 'heapKb') };
};

const supervised = async (count: number, idleMs: number) => {
  const daemons = Array.from({ length: count }, () => new Daemon({ command: 'sleep', args: ['1000'] }));
  const healthy = Promise.all(daemons.map((daemon) => firstValueFrom(daemon.events$.pipe(filter((event) => event.type === 'stable')))));
  await Promise.all(
    daemons.map((daemon) => {
      const started = firstValueFrom(daemon.events$.pipe(filter((event) => event.type === 'started')));
      daemon.start();
      return started;
    }),
  );
  // Idle means steady: after every daemon's healthy timer has fired.
  await healthy;
  const cpu = await idleCpu(idleMs);
  const start = now();
  await Promise.all(daemons.map((daemon) => daemon.stop()));
  return { cpu, stopMs: now() - start };
};

const adopted = async (count: number, idleMs: number) => {
  const children = await spawnSleepers(count);
  const stop$ = new Subject<void>();
  const subscriptions: Subscription[] = children.map((child) => {
    const pid = child.pid ?? -1;
    return supervise({ command: 'sleep', args: ['1000'] }, { adopt: { pid, startTime: readProcStat(pid)?.startTime ?? null }, stop$ }).subscribe();
  });
  // Past the first tick, so the measure sees steady polling.
  await sleep(1_100);
  const cpu = await idleCpu(idleMs);
  stop$.next();
  await killAll(children);
  for (const subscription of subscriptions) subscription.unsubscribe();
  return cpu;
};

/** respawn's stop of a fleet of `count` monitors of `sleep`. */
const respawnStop = async (count: number): Promise<number> => {
  const monitors = Array.from({ length: count }, () => respawn(['sleep', '1000'], { maxRestarts: -1, kill: 5_000, stdio: 'ignore' }));
  await Promise.all(
    monitors.map(
      (monitor) =>
        new Promise((resolve) => {
          monitor.once('spawn', resolve);
          monitor.start();
        }),
    ),
  );
  const start = now();
  await Promise.all(monitors.map((monitor) => new Promise<void>((resolve) => { monitor.stop(resolve); })));
  return now() - start;
};

export const fleet = async (quick: boolean): Promise<Row[]> => {
  const count = quick ? 50 : 1_000;
  const idleMs = quick ? 1_000 : 5_000;
  const baselineCpu = await idleCpu(idleMs);
  const bytes = memory(count, quick ? 1 : 3);
  const beyond = bytes.oursRss - bytes.plainRss;
  const ours = await supervised(count, idleMs);
  const adoptedCpu = await adopted(count, idleMs);
  const peerCount = quick ? 30 : 300;
  const peerStopMs = await respawnStop(peerCount);
  const peers: Row[] = [];
  for (const peer of installedPeers()) {
    const { kbEach, stopMs } = await peerFleet(peer, peerCount);
    peers.push(
      { target: 'P3', subject: `${peer.name} (peer): memory of its whole tree (PSS) per supervised process (${peerCount})`, value: kbEach, unit: 'KB' },
      { target: 'P3', subject: `${peer.name} (peer): stop all ${peerCount} (SIGTERM to it, until every one has exited)`, value: stopMs, unit: 'ms' },
    );
  }
  return [
    { target: 'P3', subject: `RSS per plain child_process child (baseline, ${count})`, value: bytes.plainRss, unit: 'KB', ratio: 1 },
    { target: 'P3', subject: 'idle CPU, nothing supervised (baseline)', value: baselineCpu * 100, unit: '% of a core' },
    { target: 'P3', subject: `RSS per supervised process beyond a plain child (${count})`, value: beyond, unit: 'KB', goal: '≤ 12 KB', met: beyond <= 12 },
    { target: 'P3', subject: `heap per supervised process (plain child: ${bytes.plainHeap.toFixed(1)} KB)`, value: bytes.oursHeap, unit: 'KB' },
    { target: 'P3', subject: `idle CPU, ${count} supervised`, value: ours.cpu * 100, unit: '% of a core', goal: '≤ 1 %', met: ours.cpu <= 0.01 },
    { target: 'P3', subject: `stop all ${count} supervised`, value: ours.stopMs, unit: 'ms', goal: '< 1000 ms', met: ours.stopMs < 1_000 },
    { target: 'P3', subject: `idle CPU, ${count} adopted polled at 1 Hz`, value: adoptedCpu * 100, unit: '% of a core', goal: '≤ 1 %', met: adoptedCpu <= 0.01 },
    { target: 'P3', subject: `respawn (peer): stop all ${peerCount}`, value: peerStopMs, unit: 'ms' },
    ...peers,
  ];
};
