import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { Subject, takeUntil } from 'rxjs';
import { supervise } from './lib/daemon/supervise.js';
import { defaultDriver } from './lib/process/default-driver.js';
import { discoverCgroups } from './lib/process/cgroup/discovery.js';
import { createServiceCgroup, removeCgroup, scopeCgroupOf } from './lib/process/cgroup/layout.js';
import { joinedCommand, openCgroupProcs } from './lib/process/cgroup/join.js';
import { killCgroup } from './lib/process/cgroup/kill.js';
const mode = process.argv[2] ?? 'cgroup';
const COUNT = Number(process.argv[3] ?? 1000);
const gc = (globalThis as any).gc as () => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuOver = async (ms: number) => { gc(); await sleep(1000); gc(); const b = process.cpuUsage(); const t = performance.now(); await sleep(ms); const u = process.cpuUsage(b); return (100 * (u.user + u.system)) / 1000 / (performance.now() - t); };
const h = discoverCgroups(); if (h._tag === 'Left') throw new Error('no');
const root = h.right.root; const scopeName = `scr-${process.pid}`;
const { processes } = defaultDriver();
const services = Array.from({ length: COUNT }, (_, i) => {
  const dir = (createServiceCgroup(root, scopeName, `s${i}`) as any).right as string;
  const fd = (openCgroupProcs(dir) as any).right as number;
  const j = joinedCommand('sleep', ['1000']);
  const c = spawn(j.command, [...j.args], { stdio: ['ignore', 'ignore', 'ignore', fd], detached: true });
  closeSync(fd); c.unref();
  return { dir, pid: c.pid! };
});
await sleep(3000);
const floor = await cpuOver(5000);
const closing = new Subject<void>();
for (const { dir, pid } of mode === 'none' ? [] : services) {
  const startTime = processes.probe(pid).startTime;
  supervise({ command: 'sleep', args: ['1000'] }, { ...(mode === 'cgroup' ? { cgroup: dir } : {}), stableAfterMs: undefined, adopt: { pid, startTime }, close$: closing }).pipe(takeUntil(closing)).subscribe();
}
await sleep(12000);
const idle = await cpuOver(10000);
console.log(mode, COUNT, 'floor', floor.toFixed(3), 'idle', idle.toFixed(3));
closing.next();
killCgroup(scopeCgroupOf(root, scopeName)); await sleep(2000); console.log(removeCgroup(scopeCgroupOf(root, scopeName)));
process.exit(0);
