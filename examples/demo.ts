// npm run demo: a manager keeps three services alive, one of them flaky,
// and prints their lifecycle live. After a few seconds the desired set
// changes (one service added, one changed) and only those are touched.
// Ctrl-C stops everything gracefully; `npm run demo -- --for 8000` stops by
// itself after 8 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BehaviorSubject } from 'rxjs';
import { consulBackoff, Manager, type Command, type DesiredSet } from '../lib/index.js';
import { formatEvent, wantsColour } from '../lib/cli/format.js';

const forIndex = process.argv.indexOf('--for');
const runForMs = forIndex > 0 ? Number(process.argv[forIndex + 1]) : undefined;
const colour = wantsColour(process.stdout);
const service = (...args: string[]): Command => ({
  command: process.execPath,
  args: [fileURLToPath(new URL('service.mjs', import.meta.url)), ...args],
});

const dataDir = mkdtempSync(join(tmpdir(), 'rxdaemon-demo-'));
const desired$ = new BehaviorSubject<DesiredSet>({ web: service(), worker: service(), flaky: service('--flaky') });
const manager = new Manager(desired$, {
  dataDir,
  // Shorter than the defaults, so a minute of demo shows backoff and the healthy reset.
  restart: consulBackoff({ freeAttempts: 2, baseDelayMs: 250, maxDelayMs: 2_000, stableAfterMs: 2_000 }),
  gracefulStopMs: 1_000,
});
manager.events$.subscribe((event) => {
  // A snapshot is written after most changes; the line would only be noise here.
  if (event.type !== 'snapshot-written') console.log(formatEvent(event, colour));
});
manager.run();
console.log(`managing 3 services; logs in ${join(dataDir, 'logs')}; ${runForMs === undefined ? 'Ctrl-C' : `${runForMs} ms`} to stop\n`);

setTimeout(() => {
  console.log('\n-- the desired set changes: `cache` is added, `worker` gets a new argument --\n');
  desired$.next({ ...desired$.value, cache: service(), worker: service('--v2') });
}, 4_000).unref();

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await manager.kill();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (runForMs !== undefined) setTimeout(() => void stop(), runForMs);
