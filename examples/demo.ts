// npm run demo: a manager keeps three services alive, one of them flaky,
// and prints their lifecycle live, and what each service writes (read from
// its log file with Manager.lines$, behind a `|`). After a few seconds the desired set
// changes (one service added, one changed) and only those are touched.
// Ctrl-C stops everything gracefully; `npm run demo -- --for 8000` stops by
// itself after 8 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BehaviorSubject, merge, Subscription } from 'rxjs';
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
manager.events$.subscribe((event) => {
  // A snapshot is written after most changes; the line would only be noise here.
  if (event.type !== 'snapshot-written') print(formatEvent(event, style));
});
manager.run();

// What a service writes, to stdout or stderr, from its log file in the data dir: on across its restarts.
const output = new Subscription();
const showOutput = (id: string): void => {
  output.add(
    merge(manager.lines$(id, 'stdout'), manager.lines$(id, 'stderr')).subscribe((line) => {
      print(formatOutputLine(id, line, style));
    }),
  );
};
for (const id of Object.keys(desired$.value)) showOutput(id);
print(`managing 3 services; logs in ${join(dataDir, 'logs')}; ${runForMs === undefined ? 'Ctrl-C' : `${runForMs} ms`} to stop\n`);

setTimeout(() => {
  print('\n-- the desired set changes: `cache` is added, `worker` gets a new argument --\n');
  desired$.next({ ...desired$.value, cache: service(), worker: service('--v2') });
  showOutput('cache');
}, 4_000).unref();

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await manager.kill();
  output.unsubscribe();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (runForMs !== undefined) setTimeout(() => void stop(), runForMs);
