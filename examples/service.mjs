#!/usr/bin/env node
// A small service for the demo. It logs a line now and then; with
// `--flaky` it crashes after a random 0.4–3.4 s. SIGINT makes it shut down
// cleanly after a short cleanup.
const name = process.env.RXDAEMON_ID ?? 'service';
const flaky = process.argv.includes('--flaky');
console.log(`${name}: up as pid ${process.pid}`);
const work = setInterval(() => console.log(`${name}: working`), 500);
if (flaky) {
  setTimeout(
    () => {
      console.error(`${name}: crashing`);
      process.exit(1);
    },
    400 + Math.floor(Math.random() * 3_000),
  );
}
process.on('SIGINT', () => {
  clearInterval(work);
  console.log(`${name}: SIGINT, cleaning up`);
  setTimeout(() => process.exit(0), 150);
});
