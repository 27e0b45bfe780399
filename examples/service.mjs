#!/usr/bin/env node
// A small service for the demo. It logs a line now and then (the demo
// shows each with the service's id); with `--flaky` it crashes after a
// random 0.4–3.4 s. SIGINT makes it shut down cleanly after a short cleanup.
const flaky = process.argv.includes('--flaky');
const version = process.argv.includes('--v2') ? ' (v2)' : '';
let done = 0;
const work = setInterval(() => console.log(`job ${++done} done`), 1_000);
// The handler before the first line: a run that has said it is up always cleans up on SIGINT.
process.on('SIGINT', () => {
  clearInterval(work);
  console.log('SIGINT, cleaning up');
  setTimeout(() => process.exit(0), 150);
});
console.log(`up as pid ${process.pid}${version}`);
if (flaky) {
  setTimeout(
    () => {
      console.error('crashing');
      process.exit(1);
    },
    400 + Math.floor(Math.random() * 3_000),
  );
}
