// npm run demo: one flaky program kept alive by rxdaemon, its lifecycle
// printed live. Ctrl-C stops it gracefully. `npm run demo -- --for 5000`
// stops by itself after 5 s.
import { fileURLToPath } from 'node:url';
import { consulBackoff, Daemon } from '../lib/index.js';
import { formatEvent, wantsColour } from '../lib/cli/format.js';

const forIndex = process.argv.indexOf('--for');
const runForMs = forIndex > 0 ? Number(process.argv[forIndex + 1]) : undefined;
const colour = wantsColour(process.stdout);

const daemon = new Daemon(
  { command: process.execPath, args: [fileURLToPath(new URL('flaky.mjs', import.meta.url))], id: 'flaky' },
  // Shorter than the defaults, so a minute of demo shows backoff and the healthy reset.
  {
    restart: consulBackoff({ freeAttempts: 2, baseDelayMs: 250, maxDelayMs: 2_000, healthyAfterMs: 2_000 }),
    gracefulStopMs: 1_000,
    // The child writes straight to this terminal: no pipe through the supervisor.
    stdout: 'inherit',
    stderr: 'inherit',
  },
);
daemon.events$.subscribe((event) => {
  console.log(formatEvent(event, colour));
});
daemon.start();
console.log(`supervising examples/flaky.mjs; ${runForMs === undefined ? 'Ctrl-C' : `${runForMs} ms`} to stop\n`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await daemon.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (runForMs !== undefined) setTimeout(() => void stop(), runForMs);
