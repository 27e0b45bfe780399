// npm run bench: rxdaemon against the physical limit; every ratio is taken
// against a baseline measured in the same run. `-- --quick` is a smoke run
// for CI that finishes in well under a minute; it asserts nothing about time.
// `-- --scale` runs P6 (10,000 daemons; `--scale=N` for another count) and
// nothing else: it takes minutes, and needs room for that many processes.
import { cpus, totalmem } from 'node:os';
import { coldStart } from './cold-start.js';
import { containment } from './containment.js';
import { crashDay } from './crash-day.js';
import { fleet } from './fleet.js';
import { healthChecks } from './health-checks.js';
import { managerScale } from './manager-scale.js';
import { notes, table, type Row } from './measure.js';
import { restartCycle } from './restart-cycle.js';
import { scale } from './scale.js';
import { stopLatency } from './stop-latency.js';

const quick = process.argv.includes('--quick');
const scaleArg = process.argv.find((arg) => arg === '--scale' || arg.startsWith('--scale='));
const scaleCount = scaleArg === undefined ? undefined : Number(scaleArg.split('=')[1] ?? 10_000);
if (scaleCount !== undefined && !(Number.isSafeInteger(scaleCount) && scaleCount > 0)) throw new Error(`--scale=N takes a count of daemons, not ${scaleArg ?? ''}`);
const sections: readonly (readonly [string, () => Promise<Row[]>])[] =
  scaleCount !== undefined
    ? [['P6 scale', () => scale(scaleCount)]]
    : [
        ['P1 restart cycle', () => restartCycle(quick)],
        ['P2 stop latency', () => stopLatency(quick)],
        ['P3 fleet', () => fleet(quick)],
        ['P4 a day of crash loop', () => Promise.resolve(crashDay())],
        ['P5 manager scale', () => Promise.resolve(managerScale(quick))],
        ['P7 cold start', () => Promise.resolve(coldStart(quick))],
        ['P8 health checks', () => healthChecks(quick)],
        ['P9 containment', () => containment(quick)],
      ];
const rows: Row[] = [];
for (const [name, section] of sections) {
  process.stderr.write(`${name}…\n`);
  rows.push(...(await section()));
}

// The command that made this table, as the README quotes it above each of its tables.
const args = process.argv.slice(2);
const command = `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
console.log(`rxdaemon bench${quick ? ' (quick)' : scaleCount !== undefined ? ' (scale)' : ''}: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`);
console.log(`Taken on ${new Date().toISOString().slice(0, 10)} with \`${command}\`:\n`);
console.log(table(rows));
if (notes.length > 0) console.log(`\n${notes.join('\n')}`);
