import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filter, firstValueFrom, ReplaySubject, timeout, type Observable } from 'rxjs';
import { afterEach, beforeEach } from 'vitest';
import { scopeOf } from '../../lib/manager/open-data-dir.js';
import { scopeCgroupOf } from '../../lib/process/cgroup/layout.js';
import { endCgroup, hierarchy } from './cgroup.js';
import type { Daemon } from '../../lib/daemon/daemon.js';
import type { DaemonEvent } from '../../lib/events.js';

/** The helper program of the real-process specs. */
export const CHILD = fileURLToPath(new URL('../fixtures/child.mjs', import.meta.url));

/** A command that runs the helper program with some flags. */
export const child = (...flags: string[]) => ({ command: process.execPath, args: [CHILD, ...flags] });

/**
 * The one polling helper of the specs: waits until `condition` holds, looking
 * at once and then 10 ms after each look; fails after `deadlineMs` naming
 * what it waited for. `condition` may be async (a program run, a request),
 * and `what` a function, asked only at the failure, to say what was last seen.
 */
export const waitFor = async (what: string | (() => string), condition: () => boolean | Promise<boolean>, deadlineMs = 5_000): Promise<void> => {
  const end = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/** Whether a pid is a live process (a zombie is not). */
export const isAlive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
};

/** The pids of this process's zombie children. */
export const zombieChildren = (): number[] =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return state === 'Z' && Number(ppid) === process.pid;
      } catch {
        return false;
      }
    })
    .map(Number);

/** How many file descriptors this process has open. */
export const openFds = (): number => readdirSync('/proc/self/fd').length;

/** Reads a file, or undefined when it is not there. */
export const readIfThere = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * What one real-process test owns: a temp dir, its daemons, what it deferred
 * and every pid it learnt of. `cleanup()` ends what was deferred, stops the
 * daemons, SIGKILLs whatever is still alive (the group too) and removes the
 * dir, even after a failed test.
 */
export class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'rxdaemon-spec-'));
  private readonly daemons: Daemon[] = [];
  private readonly pids = new Set<number>();
  private readonly ends: (() => Promise<void> | void)[] = [];

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Records every event of a daemon (replayed to late readers) and remembers every pid it reports. */
  track(daemon: Daemon): Observable<DaemonEvent> {
    this.daemons.push(daemon);
    const events = new ReplaySubject<DaemonEvent>();
    daemon.events$.subscribe({
      next: (event) => {
        if ('pid' in event && event.pid !== undefined) this.pids.add(event.pid);
        events.next(event);
      },
      error: (error: unknown) => {
        events.error(error);
      },
      complete: () => {
        events.complete();
      },
    });
    return events;
  }

  /** Remembers a pid to kill at cleanup. */
  own(pid: number): number {
    this.pids.add(pid);
    return pid;
  }

  /**
   * Ends something the test started (a CLI run, a manager) at cleanup, before
   * the daemons are stopped and the pids killed; the last deferred is ended
   * first. A failing end fails the cleanup, but only once all of it is done.
   */
  defer(end: () => Promise<void> | void): void {
    this.ends.push(end);
  }

  async cleanup(): Promise<void> {
    const failures: unknown[] = [];
    for (const end of this.ends.splice(0).reverse()) {
      try {
        await end();
      } catch (error) {
        failures.push(error);
      }
    }
    // A bound, not a wait for anything: a stop that hangs must not hang the cleanup, whose SIGKILLs below end what is left.
    await Promise.race([Promise.all(this.daemons.map((daemon) => daemon.stop())), new Promise((resolve) => setTimeout(resolve, 3_000))]);
    for (const pid of [...this.pids].filter(isAlive)) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // Already gone, which is the hoped-for case.
        }
      }
    }
    await waitFor('the sandbox processes to be reaped', () => [...this.pids].every((pid) => !isAlive(pid)), 3_000);
    // A manager of a data dir here, under containment, ran its services in rxd-<scope>: whatever is left there
    // (a SIGKILLed manager's services, their children) is ended, and the cgroups removed.
    await endScopeCgroups(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
    if (failures.length > 0) throw failures[0];
  }
}

/** What a sandbox of {@link sandboxPerTest} does at cleanup beyond its own. */
export interface SandboxOptions {
  /**
   * Runs once all the test deferred has ended, before the pids are killed:
   * to make the sandbox own what a failed test may have left elsewhere.
   */
  readonly sweep?: (sandbox: Sandbox) => void;
}

/**
 * A fresh {@link Sandbox} for each test of the spec file that calls this,
 * cleaned up after the test however it ended. Read it inside tests (and in
 * what they call) through the returned accessor.
 */
export const sandboxPerTest = ({ sweep }: SandboxOptions = {}): (() => Sandbox) => {
  let sandbox: Sandbox | undefined;
  beforeEach(() => {
    const made = new Sandbox();
    // Deferred first, so ended last.
    if (sweep !== undefined) {
      made.defer(() => {
        sweep(made);
      });
    }
    sandbox = made;
  });
  afterEach(async () => {
    await sandbox?.cleanup();
  });
  return () => {
    if (sandbox === undefined) throw new Error('the sandbox is made before each test: read it inside one');
    return sandbox;
  };
};

/** The first event matching `predicate`, or a failure after `deadlineMs`. */
export const nextEvent = <T extends DaemonEvent>(
  events$: Observable<DaemonEvent>,
  predicate: (event: DaemonEvent) => event is T,
  deadlineMs = 5_000,
): Promise<T> => firstValueFrom(events$.pipe(filter(predicate), timeout(deadlineMs)));

/** A type guard for one event type, with an optional further condition. */
export const is =
  <K extends DaemonEvent['type']>(type: K, also: (event: Extract<DaemonEvent, { type: K }>) => boolean = () => true) =>
  (event: DaemonEvent): event is Extract<DaemonEvent, { type: K }> =>
    event.type === type && also(event as Extract<DaemonEvent, { type: K }>);

/** Every directory at or below `dir` (a sandbox is small). */
const dirsAt = (dir: string): string[] => [
  dir,
  ...readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() && !entry.isSymbolicLink() ? dirsAt(join(dir, entry.name)) : [])),
];

/** Kills and removes the cgroup scope of each data dir that may be below `dir`, where there is a cgroup v2 hierarchy to have made one. */
const endScopeCgroups = async (dir: string): Promise<void> => {
  const root = hierarchy?.root;
  if (root === undefined) return;
  for (const scopeDir of dirsAt(dir).map((each) => scopeCgroupOf(root, scopeOf(each)))) {
    if (existsSync(scopeDir)) await endCgroup(scopeDir);
  }
};
