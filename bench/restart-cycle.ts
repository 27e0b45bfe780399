// P1: the cost of one restart cycle of a /bin/true daemon with immediate
// restarts, against a plain child_process.spawn loop in the same run.
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { filter, firstValueFrom } from 'rxjs';
import { consulBackoff, Daemon } from '../lib/index.js';
import { median, now, type Row } from './measure.js';

const TRUE = '/bin/true';

/** ms per cycle of a plain spawn-wait-respawn loop: the physical floor. */
const spawnLoop = async (cycles: number): Promise<number> => {
  const start = now();
  for (let i = 0; i < cycles; i++) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(TRUE, [], { stdio: 'ignore', detached: true });
      child.once('exit', () => {
        resolve();
      });
      child.once('error', reject);
    });
  }
  return (now() - start) / cycles;
};

/** The same loop through execa with the options the default driver uses. */
const execaLoop = async (cycles: number): Promise<number> => {
  const start = now();
  for (let i = 0; i < cycles; i++) {
    await execa(TRUE, [], { detached: true, cleanup: false, buffer: false, stdio: 'ignore', forceKillAfterDelay: false });
  }
  return (now() - start) / cycles;
};

/** A daemon of /bin/true whose restarts are all immediate. */
const daemonLoop = async (cycles: number): Promise<number> => {
  const daemon = new Daemon({ command: TRUE }, { restart: consulBackoff({ freeAttempts: Number.MAX_SAFE_INTEGER }) });
  let exits = 0;
  const done = firstValueFrom(daemon.events$.pipe(filter((event) => event.type === 'exited' && ++exits === cycles)));
  const start = now();
  daemon.start();
  await done;
  const perCycle = (now() - start) / cycles;
  await daemon.stop();
  return perCycle;
};

export const restartCycle = async (quick: boolean): Promise<Row[]> => {
  const cycles = quick ? 30 : 300;
  const runs = quick ? 1 : 5;
  // Interleaved, so a slow moment of a shared machine hits every subject alike.
  const results = { spawn: [] as number[], execa: [] as number[], daemon: [] as number[] };
  await spawnLoop(10);
  for (let run = 0; run < runs; run++) {
    results.spawn.push(await spawnLoop(cycles));
    results.execa.push(await execaLoop(cycles));
    results.daemon.push(await daemonLoop(cycles));
  }
  const [baseline, viaExeca, viaDaemon] = [median(results.spawn), median(results.execa), median(results.daemon)];
  return [
    { target: 'P1', subject: 'child_process.spawn loop (baseline)', value: baseline, unit: 'ms/cycle', baseline },
    { target: 'P1', subject: 'execa loop (context)', value: viaExeca, unit: 'ms/cycle', baseline },
    { target: 'P1', subject: 'rxdaemon restart cycle', value: viaDaemon, unit: 'ms/cycle', baseline, goal: '≤ 1.3×', met: viaDaemon <= 1.3 * baseline },
  ];
};
