import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readProcStat } from '../../lib/process/proc-stat.js';
import { sandboxPerTest, waitFor } from '../helpers/real-processes.js';

// Finding 3 of issue 8: two managers starting at the same instant on a data
// dir whose owner is dead must never both win (M7). Two racer processes run
// every round; each round has a data dir of its own, and both racers leave
// the line when this process creates go-<round>.

const RACER = fileURLToPath(new URL('../fixtures/lock-racer.ts', import.meta.url));
const TSX = createRequire(import.meta.url).resolve('tsx/esm');
const DEAD_ROUNDS = 200;

interface Result {
  readonly round: number;
  readonly won: boolean;
  readonly refusal: string | null;
}

interface Racer {
  readonly process: ChildProcess;
  readonly results: Result[];
  readonly exited: Promise<number | null>;
}

const sandbox = sandboxPerTest();

const race = (name: string, rounds: number): Racer => {
  const child = spawn(process.execPath, ['--import', TSX, RACER, sandbox().dir, name, String(rounds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  // The sandbox SIGKILLs it at cleanup, if it still runs.
  sandbox().own(child.pid ?? -1);
  let out = '';
  const racer: Racer = {
    process: child,
    results: [],
    exited: new Promise((resolve) => child.once('exit', (code) => {
      racer.results.push(...out.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Result));
      resolve(code);
    })),
  };
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return racer;
};

/**
 * Waits for both racers. They spin on the two cores, so this process must
 * sleep between its looks (as waitFor does), or one of them would lose its
 * core and leave the line milliseconds late.
 */
const bothReady = (round: number): Promise<void> =>
  waitFor(`both racers at round ${round}`, () => ['a', 'b'].every((name) => existsSync(sandbox().path(`ready-${round}-${name}`))), 10_000);

const me = { pid: process.pid, startTime: readProcStat(process.pid)?.startTime };

/**
 * The data dir of a round, with the lock its recorded owner left: a 0.1
 * plain lock file or a generation of ours, owned by a pid that no longer
 * runs, or by a pid now running another process (ours, with another start
 * time); or, in the live rounds, by this very process.
 */
const setUp = (round: number, alive: boolean): void => {
  const data = sandbox().path(`round-${round}/data`);
  mkdirSync(join(data, 'lock.d'), { recursive: true, mode: 0o700 });
  const owner = JSON.stringify(alive ? me : round % 4 < 2 ? { pid: 99_999_999, startTime: '1' } : { pid: me.pid, startTime: 'earlier' });
  if (round % 2 === 0) {
    writeFileSync(join(data, 'lock'), owner);
  } else {
    writeFileSync(join(data, 'lock.d', '7'), owner);
    writeFileSync(join(data, 'lock.d', 'top'), '7\n');
  }
};

describe('the data dir lock, raced by two processes (M7)', () => {
  it(`has exactly one winner in each of ${DEAD_ROUNDS} rounds on a dead owner’s lock, and none while the owner lives`, async () => {
    const rounds = DEAD_ROUNDS + 4;
    for (let round = 0; round < rounds; round++) setUp(round, round >= DEAD_ROUNDS);
    const [a, b] = [race('a', rounds), race('b', rounds)];
    for (let round = 0; round < rounds; round++) {
      await bothReady(round);
      writeFileSync(sandbox().path(`go-${round}`), '');
    }
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);

    const winners = Array.from({ length: rounds }, (_, round) => [a, b].filter((racer) => racer.results[round]?.won === true).length);
    const twoWinners = winners.flatMap((count, round) => (count === 2 ? [round] : []));
    expect(twoWinners).toEqual([]);
    expect(winners).toEqual([...Array<number>(DEAD_ROUNDS).fill(1), 0, 0, 0, 0]);
    for (let round = 0; round < rounds; round++) {
      const winner = [a, b].find((racer) => racer.results[round]?.won === true);
      const expected = `the data dir is in use by a running manager (pid ${winner?.process.pid ?? process.pid}); stop it first, or use another --data-dir`;
      expect([round, ...[a, b].filter((racer) => racer !== winner).map((racer) => racer.results[round]?.refusal)]).toEqual([round, ...(winner === undefined ? [expected, expected] : [expected])]);
    }
  });
});
