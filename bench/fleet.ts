// P3: 1,000 supervised `sleep` processes: the supervisor's memory for each,
// its CPU while idle, and how long stopping them all takes; then 1,000
// adopted ones, polled at 1 Hz. Memory is heap per daemon, which is steady
// (three runs at 1,000), and RSS at 10,000 with the spread of three runs:
// RSS grows in V8's steps, so one more process at 1,000 costs 4 to 22 KB
// depending on where a step falls, and only a large count averages them. The peers: respawn stops a fleet of its own;
// supervisord and s6, when installed, show their memory per supervised
// process and stop a fleet of theirs (see peers.ts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import respawn from 'respawn';
import { filter, firstValueFrom, Subject, type Subscription } from 'rxjs';
import { Daemon, supervise } from '../lib/index.js';
import { processHeadroom } from '../lib/process/limits.js';
import { mark } from './marked.js';
import { readProcStat } from '../lib/process/proc-stat.js';
import { idle, median, note, now, sleep, type Row } from './measure.js';
import { installedPeers, peerFleet } from './peers.js';

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

/** What one more process costs a fresh Node process, in KB. */
interface Memory {
  readonly rssKb: number;
  readonly heapKb: number;
}

/** KB of RSS and of heap one more process costs a fresh Node process, supervised or plain, past `warm` of them (see memory-worker.mjs). */
const memoryOf = (mode: 'plain' | 'supervised', count: number, warm: number): Memory => {
  // Its `sleep 1000`s are marked, and ended here whatever happened to the worker: they are detached, and
  // thousands of them left behind would hold the machine's pids for a quarter of an hour.
  const run = mark();
  try {
    // The nursery is capped (1 MB semi-spaces) for both: otherwise pages of Node's 32 MB young generation,
    // first touched while the measured batch starts, count as per-process memory they are not (8–14 KB each, at random).
    const out = execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', MEMORY_WORKER, mode, String(count), String(warm)], { encoding: 'utf8', env: run.env });
    return JSON.parse(out) as Memory;
  } finally {
    run.killAll();
  }
};

/** Runs of plain and supervised alternating, so a noisy moment weighs on both. */
const memoryRuns = (count: number, runs: number, warm = count): { readonly plain: Memory; readonly ours: Memory }[] =>
  Array.from({ length: runs }, () => ({ plain: memoryOf('plain', count, warm), ours: memoryOf('supervised', count, warm) }));

/** P3's heap per daemon, steady: the median of `runs` at `count`, the plain child's beside it. */
const heapRows = (count: number, runs: number): Row[] => {
  const measured = memoryRuns(count, runs);
  const plain = median(measured.map((run) => run.plain.heapKb));
  const ours = median(measured.map((run) => run.ours.heapKb));
  const of = `${count}, median of ${runs}`;
  return [
    { target: 'P3', subject: `heap per plain child_process child (baseline, ${of})`, value: plain, unit: 'KB', ratio: 1 },
    { target: 'P3', subject: `heap per supervised process (${of})`, value: ours, unit: 'KB', goal: '≤ 12 KB', met: ours <= 12 },
  ];
};

// The RSS runs warm up with this many processes, not with as many as they measure: two batches of 10,000 would
// hold 20,000 processes at once.
const RSS_WARM = 1_000;

/** P3's RSS per supervised process beyond a plain child at `count`: the median of `runs`, with their spread; no row (and a note) where the machine has no room for that many processes. */
const rssRows = (count: number, runs: number): Row[] => {
  const warm = Math.min(count, RSS_WARM);
  const headroom = processHeadroom(warm + count);
  if (headroom !== undefined) {
    note(`P3's RSS at ${count} not run: ${headroom.limit} is ${headroom.value} with ${headroom.inUse} in use (${headroom.raise}).`);
    return [];
  }
  const beyond = memoryRuns(count, runs, warm).map((run) => run.ours.rssKb - run.plain.rssKb);
  const spread = runs > 1 ? `; ${runs} runs: ${Math.min(...beyond).toFixed(1)}–${Math.max(...beyond).toFixed(1)} KB` : '';
  return [
    {
      target: 'P3',
      subject: `RSS per supervised process beyond a plain child (${count}${spread})`,
      value: median(beyond),
      unit: 'KB',
      goal: '≤ 12 KB, every run',
      met: Math.max(...beyond) <= 12,
    },
  ];
};

const supervised = async (count: number, windowMs: number) => {
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
  const { percent: cpu } = await idle(windowMs);
  const start = now();
  await Promise.all(daemons.map((daemon) => daemon.stop()));
  return { cpu, stopMs: now() - start };
};

const adopted = async (count: number, windowMs: number) => {
  const children = await spawnSleepers(count);
  const stop$ = new Subject<void>();
  const subscriptions: Subscription[] = children.map((child) => {
    const pid = child.pid ?? -1;
    return supervise({ command: 'sleep', args: ['1000'] }, { adopt: { pid, startTime: readProcStat(pid)?.startTime ?? null }, stop$ }).subscribe();
  });
  // Past the first tick, so the measure sees steady polling.
  await sleep(1_100);
  const { percent: cpu } = await idle(windowMs);
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
  const windowMs = quick ? 1_000 : 5_000;
  const { percent: baselineCpu } = await idle(windowMs);
  const heap = heapRows(count, quick ? 1 : 3);
  const rss = rssRows(quick ? 50 : 10_000, quick ? 1 : 3);
  const ours = await supervised(count, windowMs);
  const adoptedCpu = await adopted(count, windowMs);
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
    ...heap,
    ...rss,
    { target: 'P3', subject: 'idle CPU, nothing supervised (baseline)', value: baselineCpu, unit: '% of a core' },
    { target: 'P3', subject: `idle CPU, ${count} supervised`, value: ours.cpu, unit: '% of a core', goal: '≤ 1 %', met: ours.cpu <= 1 },
    { target: 'P3', subject: `stop all ${count} supervised`, value: ours.stopMs, unit: 'ms', goal: '< 1000 ms', met: ours.stopMs < 1_000 },
    { target: 'P3', subject: `idle CPU, ${count} adopted polled at 1 Hz`, value: adoptedCpu, unit: '% of a core', goal: '≤ 1 %', met: adoptedCpu <= 1 },
    { target: 'P3', subject: `respawn (peer): stop all ${peerCount}`, value: peerStopMs, unit: 'ms' },
    ...peers,
  ];
};
