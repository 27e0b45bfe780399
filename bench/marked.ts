// The processes a bench section starts, found by a variable in their
// environment (inherited by everything they start in turn): how a section
// measures a supervisor's whole tree, and how it ends every process it
// started, even after a failure, whoever's child each one is by then.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { findByEnvironment } from '../lib/process/environ-scan.js';
import { hasExited, lookUpProcStat } from '../lib/process/proc-stat.js';

const VARIABLE = 'RXDAEMON_BENCH_RUN';

/** One run's mark: `env` goes to the process that starts the rest. */
export interface Mark {
  readonly env: NodeJS.ProcessEnv;
  /** The live processes that carry the mark (zombies excluded). */
  pids(): number[];
  /** SIGKILLs every process that carries the mark, until none is left; how many were signalled. */
  killAll(): number;
}

export const mark = (): Mark => {
  const value = randomBytes(6).toString('hex');
  const pids = () => findByEnvironment(VARIABLE, value, VARIABLE, process.pid).map(({ pid }) => pid);
  return {
    env: { ...process.env, [VARIABLE]: value },
    pids,
    killAll: () => {
      let signalled = 0;
      // A supervisor killed mid-spawn may still fork once: look again until nothing is left (a bounded number of times).
      for (let round = 0, found = pids(); found.length > 0 && round < 100; round++, found = pids()) {
        for (const pid of found) {
          try {
            process.kill(pid, 'SIGKILL');
            signalled++;
          } catch {
            // Gone meanwhile.
          }
        }
      }
      return signalled;
    },
  };
};

/**
 * A process's proportional set size in KB (/proc/<pid>/smaps_rollup): its
 * resident pages, each shared one divided among the processes that share
 * it, so that the figures of a tree of processes add up to what the tree
 * holds; 0 when it is gone.
 */
export const pssKb = (pid: number): number => {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

/** A process's command name (/proc/<pid>/comm), undefined when it is gone. */
export const commOf = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
  } catch {
    return undefined;
  }
};

/** Whether a process still runs (not gone, not a zombie). */
export const alive = (pid: number): boolean => {
  const look = lookUpProcStat(pid);
  return look.kind === 'found' && !hasExited(look.stat);
};
