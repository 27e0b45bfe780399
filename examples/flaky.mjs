#!/usr/bin/env node
// A small service for the demo: it works for a while, then crashes now and
// then; SIGINT makes it shut down cleanly, after a short cleanup.
const name = process.env.RXDAEMON_ID ?? 'flaky';
const lifeMs = 400 + Math.floor(Math.random() * 3_000);
console.log(`${name}: up as pid ${process.pid}, will crash in ${lifeMs} ms`);
const work = setInterval(() => console.log(`${name}: working`), 500);
setTimeout(() => {
  console.error(`${name}: crashing`);
  process.exit(1);
}, lifeMs);
process.on('SIGINT', () => {
  clearInterval(work);
  console.log(`${name}: SIGINT, cleaning up`);
  setTimeout(() => process.exit(0), 150);
});
