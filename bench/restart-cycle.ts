// P1: the cost of one restart cycle of a /bin/true daemon with immediate
// restarts, against a plain child_process.spawn loop in the same run.
// Subjects run in rounds, each round bracketed by two baseline runs, and the
// ratio is taken within the round: a slow moment of a shared machine then
// weighs on both sides of a ratio alike. The peers that restart at most once
// a second (supervisord, s6) run a few cycles once, against the same
// baseline.
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import respawn from 'respawn';
import { filter, firstValueFrom } from 'rxjs';
import { consulBackoff, Daemon, defaultDriver, execaDriver, type DaemonOptions } from '../lib/index.js';
import { inRounds } from './rounds.js';
import { median, now, type Row } from './measure.js';
import { installedPeers, peerRestartCycle } from './peers.js';

const TRUE = '/bin/true';

const perCycle = async (cycles: number, run: () => Promise<void>): Promise<number> => {
  const start = now();
  await run();
  return (now() - start) / cycles;
};

/** A plain spawn-wait-respawn loop: the floor any supervisor stands on. */
export const spawnLoop = (cycles: number): Promise<number> =>
  perCycle(cycles, async () => {
    for (let i = 0; i < cycles; i++) {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(TRUE, [], { stdio: 'ignore', detached: true });
        child.once('exit', () => {
          resolve();
        });
        child.once('error', reject);
      });
    }
  });

/** The same loop through execa, with the options of the default driver. */
const execaLoop = (cycles: number): Promise<number> =>
  perCycle(cycles, async () => {
    for (let i = 0; i < cycles; i++) await execa(TRUE, [], { detached: true, cleanup: false, buffer: false, stdio: 'ignore', forceKillAfterDelay: false });
  });

/** A daemon of /bin/true whose restarts are all immediate, with `options` (a driver, a cgroup); ms per cycle. */
export const daemonLoop = async (cycles: number, options: DaemonOptions = {}): Promise<number> => {
  const daemon = new Daemon({ command: TRUE }, { driver: defaultDriver(), ...options, restart: consulBackoff({ freeAttempts: Number.MAX_SAFE_INTEGER }) });
  let exits = 0;
  const done = firstValueFrom(daemon.events$.pipe(filter((event) => event.type === 'exited' && ++exits === cycles)));
  const result = await perCycle(cycles, async () => {
    daemon.start();
    await done;
  });
  await daemon.stop();
  return result;
};

/** respawn, the library a user would pick instead, with its shortest sleep between restarts. */
const respawnLoop = async (cycles: number): Promise<number> => {
  const monitor = respawn([TRUE], { maxRestarts: -1, sleep: () => 0, kill: 1_000, stdio: 'ignore' });
  let exits = 0;
  const result = await perCycle(
    cycles,
    () =>
      new Promise<void>((resolve) => {
        monitor.on('exit', () => {
          if (++exits === cycles) resolve();
        });
        monitor.start();
      }),
  );
  await new Promise<void>((resolve) => {
    monitor.stop(resolve);
  });
  return result;
};

/** P1 rows: the baseline's ms per cycle, then each subject's ms and its median ratio within the rounds. */
export const restartCycle = async (quick: boolean): Promise<Row[]> => {
  const cycles = quick ? 20 : 50;
  const rounds = quick ? 2 : 15;
  const viaExeca = await execaDriver();
  const subjects = {
    execa: () => execaLoop(cycles),
    rxdaemon: () => daemonLoop(cycles),
    rxdaemonExeca: () => daemonLoop(cycles, { driver: viaExeca }),
    respawn: () => respawnLoop(cycles),
  };
  type Subject = keyof typeof subjects;
  await spawnLoop(10);
  const { baseline: baselines, ms, ratios } = await inRounds(rounds, () => spawnLoop(cycles), subjects);
  const baseline = median(baselines);
  const row = (subject: string, name: Subject, goal?: string, limit?: number): Row => ({
    target: 'P1',
    subject,
    value: median(ms[name]),
    unit: 'ms/cycle',
    ratio: median(ratios[name]),
    ...(goal === undefined || limit === undefined ? {} : { goal, met: median(ratios[name]) <= limit }),
  });
  const peerCycles = quick ? 2 : 5;
  const peers: Row[] = [];
  for (const peer of installedPeers()) {
    const value = await peerRestartCycle(peer, peerCycles);
    peers.push({ target: 'P1', subject: `${peer.name} (peer, ${peerCycles} cycles)`, value, unit: 'ms/cycle', ratio: value / baseline });
  }
  return [
    { target: 'P1', subject: 'child_process.spawn loop (baseline)', value: baseline, unit: 'ms/cycle', ratio: 1 },
    row('execa loop (context)', 'execa'),
    row('rxdaemon restart cycle (default driver)', 'rxdaemon', '≤ 1.15×', 1.15),
    row('rxdaemon restart cycle, execaDriver()', 'rxdaemonExeca'),
    row('respawn (peer)', 'respawn'),
    ...peers,
  ];
};
