// P8's CPU figure, measured in a process of its own against the built
// package (dist/), as it ships: `node bench/health-worker.mjs
// <plain|health|raw> <count> <windowMs>` prints one JSON line. `count`
// `sleep` daemons are started, with (`health`) or without (`plain`) a TCP
// health check every second against a listener in a child process; `raw`
// is the floor under any TCP check: the daemons unchecked, and from each
// one's `ready` on a bare setInterval that connects and closes, node's net
// alone at the same phases. Once every daemon is stable (a second after it
// was ready) and has been checked since, the supervisor's CPU, user and
// system, is taken over `windowMs` of wall time.
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { filter, firstValueFrom } from 'rxjs';
import { checks, consulBackoff, Daemon } from '../dist/index.js';

const [mode = 'health', countText = '1000', windowText = '10000'] = process.argv.slice(2);
const count = Number(countText);
const windowMs = Number(windowText);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const listener = mode === 'plain' ? undefined : fork(fileURLToPath(new URL('tcp-listener.mjs', import.meta.url)), { stdio: 'ignore' });
const ask = (message) =>
  new Promise((resolve) => {
    listener.once('message', resolve);
    if (message !== undefined) listener.send(message);
  });
const port = listener === undefined ? undefined : (await ask()).port;
const accepted = async () => (listener === undefined ? 0 : (await ask('count')).accepted);

const health = mode === 'health' ? { check: checks.tcp(port), intervalMs: 1_000 } : undefined;
// Stable a second after ready, not the default ten: the quick run stays short.
const restart = consulBackoff({ stableAfterMs: 1_000 });
const daemons = Array.from({ length: count }, () => new Daemon({ command: 'sleep', args: ['1000'] }, { health, restart }));
let failures = 0;
for (const daemon of daemons) daemon.events$.pipe(filter((event) => event.type === 'health-failed')).subscribe(() => failures++);
const connectOnce = () => {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.once('connect', () => socket.destroy());
  socket.on('error', () => failures++);
};
const bare = [];
if (mode === 'raw') for (const daemon of daemons) daemon.events$.pipe(filter((event) => event.type === 'ready')).subscribe(() => bare.push(setInterval(connectOnce, 1_000)));
const stable = Promise.all(daemons.map((daemon) => firstValueFrom(daemon.events$.pipe(filter((event) => event.type === 'stable')))));
for (const daemon of daemons) daemon.start();
await stable;
// Every daemon's health timer has fired at least once since: the window sees steady checking.
await sleep(1_500);

const acceptedBefore = await accepted();
const failuresBefore = failures;
const before = process.cpuUsage();
const start = performance.now();
await sleep(windowMs);
const used = process.cpuUsage(before);
const elapsedMs = performance.now() - start;
const checked = (await accepted()) - acceptedBefore;

for (const timer of bare) clearInterval(timer);
await Promise.all(daemons.map((daemon) => daemon.stop()));
listener?.disconnect();
console.log(JSON.stringify({ cpu: (used.user + used.system) / 1_000 / elapsedMs, checksPerSecond: (checked * 1_000) / elapsedMs, failures: failures - failuresBefore }));
