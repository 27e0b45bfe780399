// P8: 1,000 supervised `sleep` daemons with a TCP health check every second
// against one loopback listener: the supervisor's CPU once every daemon is
// stable (ready, and checked ten times over), against the same daemons
// without a check. Each side runs in a fresh Node process against dist/
// (see health-worker.mjs); the listener runs in a process of its own.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { median, type Row } from './measure.js';

const HEALTH_WORKER = fileURLToPath(new URL('health-worker.mjs', import.meta.url));

interface Measured {
  /** Share of one core, user and system. */
  readonly cpu: number;
  readonly checksPerSecond: number;
  readonly failures: number;
}

const measure = async (mode: 'plain' | 'health', count: number, windowMs: number): Promise<Measured> => {
  const { stdout } = await promisify(execFile)(process.execPath, [HEALTH_WORKER, mode, String(count), String(windowMs)], { encoding: 'utf8' });
  return JSON.parse(stdout) as Measured;
};

/** The median of several rounds, plain and checked alternating, so a noisy moment weighs on both. */
const rounds = async (count: number, windowMs: number, times: number) => {
  const plain: Measured[] = [];
  const checked: Measured[] = [];
  for (let i = 0; i < times; i++) {
    plain.push(await measure('plain', count, windowMs));
    checked.push(await measure('health', count, windowMs));
  }
  const of = (runs: readonly Measured[]): Measured => ({
    cpu: median(runs.map((run) => run.cpu)),
    checksPerSecond: Math.min(...runs.map((run) => run.checksPerSecond)),
    failures: Math.max(...runs.map((run) => run.failures)),
  });
  return { plain: of(plain), checked: of(checked) };
};

export const healthChecks = async (quick: boolean): Promise<Row[]> => {
  const count = quick ? 50 : 1_000;
  const windowMs = quick ? 2_000 : 10_000;
  const { plain, checked } = await rounds(count, windowMs, quick ? 1 : 3);
  // A row that did not check what it claims to is a failure, not a figure.
  const missed = checked.failures > 0 || checked.checksPerSecond < count * 0.95;
  return [
    { target: 'P8', subject: `CPU, ${count} supervised, no health check (baseline)`, value: plain.cpu * 100, unit: '% of a core', ratio: 1 },
    {
      target: 'P8',
      subject: `CPU, ${count} supervised, TCP health check every 1 s (${Math.round(checked.checksPerSecond)} checks/s, ${checked.failures} failed)`,
      value: checked.cpu * 100,
      unit: '% of a core',
      ratio: plain.cpu > 0 ? checked.cpu / plain.cpu : undefined,
      goal: '≤ 3 %',
      met: !missed && checked.cpu <= 0.03,
    },
  ];
};
