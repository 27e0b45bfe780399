// npm run bench: rxdaemon against the physical limit, every ratio taken
// against a baseline measured in the same run. `-- --quick` is a smoke run
// for CI: it asserts nothing about time.
import { cpus, totalmem } from 'node:os';
import { table, type Row } from './measure.js';
import { restartCycle } from './restart-cycle.js';

const quick = process.argv.includes('--quick');
const rows: Row[] = [...(await restartCycle(quick))];

console.log(`rxdaemon bench${quick ? ' (quick)' : ''}: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB\n`);
console.log(table(rows));
