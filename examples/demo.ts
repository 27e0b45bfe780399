// npm run demo: a manager keeps three services alive, one of them flaky,
// and prints their lifecycle live, and what each service writes (read from
// its log file, behind a `|`), in one stream from Manager.eventsAndLines$:
// every line a run wrote shows before that run's `exited`, so a crash's last
// words are never taken for the next run's. After a few seconds the desired
// set changes (one service added, one changed) and only those are touched.
// Ctrl-C stops everything gracefully; `npm run demo -- --for 8000` stops by
// itself after 8 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BehaviorSubject } from 'rxjs';
import { consulBackoff, Manager, type Command, type DesiredSet } from '../lib/index.js';
import { formatEvent, formatOutputLine, idWidthOf, wantsColour, type LineStyle } from '../lib/cli/format.js';
import { writeOut } from '../lib/cli/output.js';

const forIndex = process.argv.indexOf('--for');
const runForMs = forIndex > 0 ? Number(process.argv[forIndex + 1]) : undefined;
// A stdout closed early (`npm run demo | head`) must not end the demo before it has stopped its services.
const print = (line: string): void => {
  writeOut(`${line}\n`);
};
// Every id the demo will ever run, so that all its lines align.
const style: LineStyle = { colour: wantsColour(process.stdout), idWidth: idWidthOf(['web', 'worker', 'flaky', 'cache']) };
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
// Its events, and what each service writes to stdout or stderr, read from its log files in the data dir.
manager.eventsAndLines$().subscribe((shown) => {
  if (shown.type === 'line') print(formatOutputLine(shown, style));
  // A snapshot is written after most changes; the line would only be noise here.
  else if (shown.type !== 'snapshot-written') print(formatEvent(shown, style));
});
manager.run();
print(`managing 3 services; logs in ${join(dataDir, 'logs')}; ${runForMs === undefined ? 'Ctrl-C' : `${runForMs} ms`} to stop\n`);

setTimeout(() => {
  print('\n-- the desired set changes: `cache` is added, `worker` gets a new argument --\n');
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
