// P7: cold start, against the built package (dist/) as it ships, each
// measure in a fresh Node process: the time of `import('rxdaemon')` against
// `import('rxjs')` alone, taken inside the process; and the whole process of
// `rxdaemon --help` against a whole process that only imports RxJS. The four
// alternate round by round, in a rotating order, so a busy moment of a
// shared machine weighs on all of them alike.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, now, type Row } from './measure.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INDEX = new URL('../dist/index.js', import.meta.url).href;
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** One Node process, run to its end from ROOT (where rxjs resolves); what it printed, and its wall time in ms. */
const node = (args: readonly string[]): { stdout: string; ms: number } => {
  const start = now();
  const { status, stdout, stderr } = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  const ms = now() - start;
  // A run that failed measured nothing: no figure rather than a wrong one.
  if (status !== 0) throw new Error(`node ${args.join(' ')} exited ${String(status)}: ${stderr}`);
  return { stdout, ms };
};

/** The ms `import(specifier)` takes in a fresh process, timed inside it. */
const importMs = (specifier: string): number =>
  Number(node(['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`]).stdout);

const measures = {
  rxjsImport: () => importMs('rxjs'),
  rxdaemonImport: () => importMs(INDEX),
  rxjsProcess: () => node(['--input-type=module', '-e', "await import('rxjs');"]).ms,
  help: () => {
    const { stdout, ms } = node([CLI, '--help']);
    if (!stdout.includes('rxdaemon')) throw new Error(`rxdaemon --help printed no usage: ${stdout}`);
    return ms;
  },
} as const;
type Measure = keyof typeof measures;

/** Every measure once a round (after one unrecorded round that fills the OS's file cache), in an order that rotates each round. */
const rounds = (times: number): Record<Measure, number> => {
  const names = Object.keys(measures) as Measure[];
  const runs = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Measure, number[]>;
  for (const name of names) measures[name]();
  for (let round = 0; round < times; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length] as Measure;
      runs[name].push(measures[name]());
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(runs[name])])) as Record<Measure, number>;
};

export const coldStart = (quick: boolean): Row[] => {
  const times = quick ? 3 : 21;
  const m = rounds(times);
  /** A baseline row, or a row held to P7's goal against its baseline. */
  const row = (subject: string, value: number, baseline?: number): Row => ({
    target: 'P7',
    subject: `${subject}, median of ${times}${baseline === undefined ? ' (baseline)' : ''}`,
    value,
    unit: 'ms',
    ratio: value / (baseline ?? value),
    ...(baseline === undefined ? {} : { goal: '≤ 1.3×', met: value / baseline <= 1.3 }),
  });
  return [
    row("`import('rxjs')` in a fresh process", m.rxjsImport),
    row("`import('rxdaemon')` in a fresh process", m.rxdaemonImport, m.rxjsImport),
    row("`node -e \"await import('rxjs')\"`, whole process", m.rxjsProcess),
    row('`rxdaemon --help`, whole process', m.help, m.rxjsProcess),
  ];
};
