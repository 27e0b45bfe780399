// P6's figures, each measured in a process of its own against the built
// package (dist/), as it ships; each mode prints one JSON line.
//
//   node scale-worker.mjs raw <count>
//     `count` `sleep 1000` started by a child_process.spawn loop: ms until
//     every one has spawned; then ms until all are signalled (SIGTERM, as
//     the manager stops them) and reaped.
//   node scale-worker.mjs manage <count> <dataDir> <windowMs>
//     One Manager of `count` `sleep 1000` services on `dataDir`: ms from
//     run() to the last `started`; the supervisor's CPU over `windowMs` once
//     every daemon is stable; ms of kill() (manager-stopped). Then, for the
//     adopt mode, a second manager starts them all again and closes,
//     leaving them running and recorded.
//   node scale-worker.mjs adopt <count> <dataDir> <windowMs>
//     A new Manager on that data dir: ms from run() to `restored` (and how
//     many it adopted), its CPU over `windowMs` once every adopted daemon is
//     stable, ms of kill().
import { spawn } from 'node:child_process';
import { BehaviorSubject } from 'rxjs';
import { Manager } from '../dist/index.js';

const [mode, countText, dataDir, windowText] = process.argv.slice(2);
const count = Number(countText);
const windowMs = Number(windowText);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();
const output = (figures) => {
  console.log(JSON.stringify(figures));
};

/** Share of one core, user and system, used over `ms` of wall time. */
const cpuOver = async (ms) => {
  const before = process.cpuUsage();
  const start = now();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1_000 / (now() - start);
};

const desired = Object.fromEntries(Array.from({ length: count }, (_, i) => [`sleep-${i}`, { command: 'sleep', args: ['1000'] }]));

/** A manager of every service on the data dir, run; resolves what its events say once `until` holds. quietMs 0: the first desired set is acted on at once. */
const managed = (until) => {
  const manager = new Manager(new BehaviorSubject(desired), { dataDir, quietMs: 0 });
  const seen = { started: 0, stable: 0, restored: undefined, failed: [] };
  const reached = new Promise((resolve, reject) => {
    manager.events$.subscribe({
      next: (event) => {
        if (event.type === 'started') seen.started++;
        else if (event.type === 'stable') seen.stable++;
        else if (event.type === 'restored') seen.restored = event.adopted.length;
        else if (event.type === 'spawn-failed' || event.type === 'limit-reached' || event.type === 'manager-refused') seen.failed.push(event);
        if (seen.failed.length > 0) reject(new Error(`the manager failed: ${JSON.stringify(seen.failed[0])}`));
        else if (until(seen)) resolve(seen);
      },
      complete: () => {
        reject(new Error('the manager ended early'));
      },
    });
  });
  const start = now();
  manager.run();
  return { manager, start, reached, until: (more) => new Promise((resolve, reject) => {
    const check = () => (more(seen) ? resolve(seen) : setTimeout(check, 50));
    reached.catch(reject);
    check();
  }) };
};

const timed = async (action) => {
  const start = now();
  await action();
  return now() - start;
};

/**
 * A run manager's idle CPU once steady, then how long its kill() takes.
 * Idle means steady: every daemon's stable timer (10 s after its start or
 * adoption, the default) has fired, and an adopted process has been polled
 * since.
 */
const idleThenKill = async (run) => {
  await run.until((seen) => seen.stable === count);
  // The window ends within 8 s of this gc(), before V8's memory reducer would collect (bench/measure.ts).
  globalThis.gc?.();
  await sleep(500);
  const cpu = await cpuOver(windowMs);
  const stopMs = await timed(() => run.manager.kill());
  return { cpu, stopMs };
};

switch (mode) {
  case 'raw': {
    const start = now();
    const children = Array.from({ length: count }, () => spawn('sleep', ['1000'], { stdio: 'ignore', detached: true }));
    await Promise.all(children.map((child) => new Promise((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject); })));
    const ms = now() - start;
    const killMs = await timed(() => Promise.all(children.map((child) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); }))));
    output({ ms, killMs });
    break;
  }
  case 'manage': {
    const first = managed((seen) => seen.started === count);
    await first.reached;
    const startMs = now() - first.start;
    const { cpu, stopMs } = await idleThenKill(first);
    const second = managed((seen) => seen.started === count);
    await second.reached;
    await second.manager.close();
    output({ startMs, cpu, stopMs });
    break;
  }
  case 'adopt': {
    const adopting = managed((seen) => seen.restored !== undefined);
    const { restored } = await adopting.reached;
    const restoreMs = now() - adopting.start;
    const { cpu, stopMs } = await idleThenKill(adopting);
    output({ restoreMs, adopted: restored, cpu, stopMs });
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
