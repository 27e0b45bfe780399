// P9: containment in cgroup v2, on the OS layer (lib/process/cgroup/).
// - Join before exec: a restart cycle of /bin/true joined to a cgroup, the
//   way rxdaemon does it (the child joins through /bin/sh and a descriptor
//   of cgroup.procs) and the way it rejected (the supervisor moves itself
//   into the cgroup around a synchronous spawn), against a plain spawn loop,
//   in rounds bracketed by the baseline as P1 is; and what each bills to the
//   service's cpu.stat per cycle.
// - Death seen: SIGKILL of a cgroup's last process to `populated$` saying so.
// - Idle watches: the CPU and memory of N watched cgroups that nothing happens to.
// - An escapee: cgroup.kill of a daemon and its setsid, double-forked
//   grandchild, to `populated 0`.
// Skipped, with a note, where this process cannot write a cgroup v2 hierarchy.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLeft } from 'fp-ts/lib/Either.js';
import { discoverCgroups, type CgroupHierarchy } from '../lib/process/cgroup/discovery.js';
import { joinedCommand, openCgroupProcs } from '../lib/process/cgroup/join.js';
import { killCgroup } from '../lib/process/cgroup/kill.js';
import { createServiceCgroup, removeCgroup, scopeCgroupOf } from '../lib/process/cgroup/layout.js';
import { populated$ } from '../lib/process/cgroup/populated.js';
import { readCgroupUsage } from '../lib/process/cgroup/usage.js';
import { emptied, exited, joined, must, perCycle, sleeperIn } from './cgroup-kit.js';
import { containedDaemons } from './contained-daemons.js';
import { idle, IDLE_WINDOW_MS, median, note, now, sleep, type Row } from './measure.js';
import { inRounds } from './rounds.js';

const TRUE = '/bin/true';
const ESCAPEE = fileURLToPath(new URL('../spec/fixtures/escapee.mjs', import.meta.url));

const plain = (): ChildProcess => spawn(TRUE, [], { stdio: 'ignore', detached: true });

/** The rejected way: the supervisor moves itself (all its threads) into the cgroup, forks, and moves back. */
const supervisorMoves = (dir: string, own: string) => {
  const into = openSync(join(dir, 'cgroup.procs'), 'w');
  const home = openSync(join(own, 'cgroup.procs'), 'w');
  return (): ChildProcess => {
    writeSync(into, '0');
    try {
      return plain();
    } finally {
      writeSync(home, '0');
    }
  };
};

const cpuUsecOf = (dir: string): number => readCgroupUsage(dir)?.cpuUsec ?? NaN;

const joinRows = async (hierarchy: CgroupHierarchy, scope: string, quick: boolean): Promise<Row[]> => {
  const cycles = quick ? 20 : 200;
  const rounds = quick ? 2 : 10;
  const viaShell = must(createServiceCgroup(hierarchy.root, scope, 'shell'));
  const viaMove = must(createServiceCgroup(hierarchy.root, scope, 'move'));
  const [shell, move] = [() => joined(viaShell, TRUE), supervisorMoves(viaMove, hierarchy.own)];
  await perCycle(10, plain);
  const { baseline, ms, ratios } = await inRounds(rounds, () => perCycle(cycles, plain), { shell: () => perCycle(cycles, shell), move: () => perCycle(cycles, move) });
  const total = cycles * rounds;
  const ratio = median(ratios.shell);
  return [
    { target: 'P9', subject: `child_process.spawn loop of ${TRUE} (baseline, ${total} cycles)`, value: median(baseline), unit: 'ms/cycle', ratio: 1 },
    { target: 'P9', subject: 'joined before exec through /bin/sh and descriptor 3 (rxdaemon)', value: median(ms.shell), unit: 'ms/cycle', ratio, goal: '≤ 1.3×', met: ratio <= 1.3 },
    { target: 'P9', subject: 'the supervisor moving itself around spawn (rejected)', value: median(ms.move), unit: 'ms/cycle', ratio: median(ratios.move) },
    { target: 'P9', subject: "the service's cpu.stat per cycle, joined through /bin/sh", value: cpuUsecOf(viaShell) / total, unit: 'µs' },
    { target: 'P9', subject: "the service's cpu.stat per cycle, supervisor moving itself (its fork billed)", value: cpuUsecOf(viaMove) / total, unit: 'µs' },
  ];
};

const deathRows = async (hierarchy: CgroupHierarchy, scope: string, quick: boolean): Promise<Row[]> => {
  const dir = must(createServiceCgroup(hierarchy.root, scope, 'death'));
  const [watched, reaped] = [[] as number[], [] as number[]];
  for (let i = 0; i < (quick ? 5 : 50); i++) {
    const child = await sleeperIn(dir);
    // The kernel tells a cgroup.events change at most once per 10 ms (CGROUP_FILE_NOTIFY_MIN_INTV): a death
    // within 10 ms of the join would be told late. A daemon runs longer than that.
    await sleep(20);
    const empty = emptied(dir).then(() => now());
    // Listened to before the kill: node may reap it before the watch tells, or after.
    const exit = exited(child).then(() => now());
    const start = now();
    child.kill('SIGKILL');
    watched.push((await empty) - start);
    reaped.push((await exit) - start);
  }
  const value = median(watched);
  const p95 = [...watched].sort((a, b) => a - b)[Math.floor(watched.length * 0.95)] ?? NaN;
  return [
    { target: 'P9', subject: "SIGKILL of a child to node's own exit event (baseline: SIGCHLD, for a child of ours only)", value: median(reaped), unit: 'ms', ratio: 1 },
    { target: 'P9', subject: `SIGKILL of a cgroup's last process to populated$ false (p95 ${p95.toFixed(2)} ms)`, value, unit: 'ms', ratio: value / median(reaped), goal: '≤ 5 ms', met: value <= 5 },
  ];
};

const idleRows = async (hierarchy: CgroupHierarchy, scope: string, count: number, windowMs: number): Promise<Row[]> => {
  const gc = (globalThis as { gc?: () => void }).gc;
  const dirs = Array.from({ length: count }, (_, i) => must(createServiceCgroup(hierarchy.root, scope, `idle-${i}`)));
  const unwatched = await idle(windowMs);
  gc?.();
  const before = process.memoryUsage();
  const subscriptions = dirs.map((dir) => populated$(dir).subscribe());
  gc?.();
  const after = process.memoryUsage();
  const watched = await idle(windowMs);
  for (const subscription of subscriptions) subscription.unsubscribe();
  for (const dir of dirs) must(removeCgroup(dir));
  const label = count.toLocaleString('en');
  return [
    { target: 'P9', subject: `${label} idle cgroups, not watched (baseline: this process idle)`, value: unwatched.percent, unit: '% of a core' },
    { target: 'P9', subject: `${label} watched idle cgroups: CPU`, value: watched.percent, unit: '% of a core', goal: '≤ 0.2 %', met: watched.percent <= 0.2 },
    { target: 'P9', subject: `${label} idle cgroups: wakeups of the main thread, not watched → watched`, value: watched.wakeupsPerSecond, unit: `/s (from ${unwatched.wakeupsPerSecond.toFixed(1)})` },
    { target: 'P9', subject: `${label} watched idle cgroups: heap per watch`, value: (after.heapUsed - before.heapUsed) / 1024 / count, unit: 'KB' },
    { target: 'P9', subject: `${label} watched idle cgroups: RSS per watch`, value: (after.rss - before.rss) / 1024 / count, unit: 'KB' },
  ];
};

const escapeeRows = async (hierarchy: CgroupHierarchy, scope: string, quick: boolean): Promise<Row[]> => {
  const dir = must(createServiceCgroup(hierarchy.root, scope, 'escapee'));
  const temp = mkdtempSync(join(tmpdir(), 'rxdaemon-bench-'));
  const samples: number[] = [];
  for (let i = 0; i < (quick ? 2 : 10); i++) {
    const pids = join(temp, `escapee-${i}.json`);
    const procs = must(openCgroupProcs(dir));
    let daemon: ChildProcess;
    try {
      const { command, args } = joinedCommand(process.execPath, [ESCAPEE, '--pids', pids]);
      daemon = spawn(command, [...args], { stdio: ['ignore', 'ignore', 'ignore', procs], detached: true });
    } finally {
      closeSync(procs);
    }
    const reaped = exited(daemon);
    while (!existsSync(pids)) await sleep(10);
    const empty = emptied(dir);
    const start = now();
    must(killCgroup(dir));
    await empty;
    samples.push(now() - start);
    await reaped;
  }
  rmSync(temp, { recursive: true, force: true });
  return [{ target: 'P9', subject: 'cgroup.kill of a daemon and its setsid, double-forked escapee, to populated 0', value: median(samples), unit: 'ms' }];
};

/** P9 rows, or none (with a note) where no cgroup v2 hierarchy can be written. */
export const containment = async (quick: boolean): Promise<Row[]> => {
  const found = discoverCgroups();
  if (isLeft(found)) {
    note(`P9 skipped: ${found.left.message}`);
    return [];
  }
  const hierarchy = found.right;
  const scope = `bench-${process.pid}`;
  try {
    return [
      ...(await joinRows(hierarchy, scope, quick)),
      ...(await deathRows(hierarchy, scope, quick)),
      ...(await idleRows(hierarchy, scope, 1_000, quick ? 1_000 : IDLE_WINDOW_MS)),
      ...(quick ? [] : await idleRows(hierarchy, scope, 10_000, IDLE_WINDOW_MS)),
      ...(await escapeeRows(hierarchy, scope, quick)),
      ...(await containedDaemons(hierarchy, scope, quick)),
    ];
  } finally {
    const dir = scopeCgroupOf(hierarchy.root, scope);
    const empty = emptied(dir);
    must(killCgroup(dir));
    await empty;
    must(removeCgroup(dir));
  }
};
