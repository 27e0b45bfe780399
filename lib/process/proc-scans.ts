import { findByEnvironment } from './environ-scan.js';
import type { ProcessIdentity } from './identity.js';
import { processHeadroom, type Headroom } from './limits.js';
import { readBootId } from './proc-stat.js';
import { executablesOf, programLookupOf } from './program.js';
import type { SpawnIntent } from './spawn-intent.js';
import type { SpawnSpec } from './spawn-spec.js';
import { findSpawnedProcesses } from './spawned-scan.js';
import type { Marked, Spawned, SystemScans } from './system-scans.js';
import { readUptimeTicks, startedAtOnClock } from './uptime.js';

/**
 * The OS's {@link SystemScans}: Linux's /proc and limits, as this process
 * sees them (it is left out of every scan).
 */
export class ProcScans implements SystemScans {
  private readonly ownPid = process.pid;
  private boot: string | null | undefined;

  findMarked(name: string, value: string, alsoRead: string): Marked[] {
    return findByEnvironment(name, value, alsoRead, this.ownPid);
  }

  spawnIntent(spec: Pick<SpawnSpec, 'command' | 'cwd' | 'env' | 'dropEnv'>): SpawnIntent | null {
    const at = readUptimeTicks();
    // The child inherits this process's cwd and environment: its lookup is resolved against them.
    return at === null ? null : { ...programLookupOf(spec, { cwd: process.cwd(), env: process.env }), at, boot: this.bootId() };
  }

  findSpawned(intents: readonly SpawnIntent[], within: number, unlessMarked: string): Spawned[][] {
    const queries = intents.map((intent) => ({ after: intent.at, within, executables: executablesOf(intent) }));
    return findSpawnedProcesses(queries, unlessMarked, this.ownPid);
  }

  startedAt(target: ProcessIdentity, now: number): number | null {
    const nowTicks = target.startTime === null ? null : readUptimeTicks();
    // Both count boot time truncated to the tick: a start time never passes the uptime read after it.
    return nowTicks === null ? null : startedAtOnClock({ startTicks: Number(target.startTime), nowTicks, now });
  }

  headroom(wanted: number): Headroom | undefined {
    return processHeadroom(wanted);
  }

  bootId(): string | null {
    this.boot ??= readBootId();
    return this.boot;
  }
}
