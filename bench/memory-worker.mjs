// P3's memory figures, measured in a process of its own against the built
// package (dist/), as it ships: `node --expose-gc bench/memory-worker.mjs
// <plain|supervised> <count> [warm]` prints one JSON line. A first batch of
// `warm` `sleep` processes (default: `count`) warms everything up (code
// compiled, pools grown), then a batch of `count`, and only the growth from
// that second batch is counted, so what is printed is the cost of one more
// process, not of the first.
import { spawn } from 'node:child_process';
import { filter, firstValueFrom } from 'rxjs';
import { Daemon } from '../dist/index.js';

const [mode = 'supervised', countText = '1000', warmText = countText] = process.argv.slice(2);
const count = Number(countText);
const warm = Number(warmText);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const settled = async () => {
  for (let i = 0; i < 4; i++) {
    globalThis.gc?.();
    await sleep(60);
  }
  return process.memoryUsage();
};

const stops = [];
const batch = async (count) => {
  if (mode === 'plain') {
    const children = Array.from({ length: count }, () => spawn('sleep', ['1000'], { stdio: 'ignore', detached: true }));
    await Promise.all(children.map((child) => new Promise((resolve) => child.once('spawn', resolve))));
    stops.push(() => Promise.all(children.map((child) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGKILL'); }))));
    return;
  }
  const daemons = Array.from({ length: count }, () => new Daemon({ command: 'sleep', args: ['1000'] }));
  await Promise.all(
    daemons.map((daemon) => {
      const started = firstValueFrom(daemon.events$.pipe(filter((event) => event.type === 'started')));
      daemon.start();
      return started;
    }),
  );
  stops.push(() => Promise.all(daemons.map((daemon) => daemon.stop())));
};

await batch(warm);
const before = await settled();
await batch(count);
const after = await settled();
for (const stop of stops) await stop();
const kb = (bytes) => bytes / count / 1024;
console.log(JSON.stringify({ rssKb: kb(after.rss - before.rss), heapKb: kb(after.heapUsed - before.heapUsed) }));
