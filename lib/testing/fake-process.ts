import type { ExitStatus } from '../process/processes.js';
import type { FakeProcessScript } from './script.js';
import type { Signal } from '../signal-name.js';

/** A signal the fake delivered, with the virtual time it was sent (refused ones are not recorded). */
export interface FakeSignal {
  readonly pid: number;
  readonly signal: Signal;
  readonly group: boolean;
  readonly at: number;
}

/** A fake process as the test sees it. */
export interface FakeProcess {
  readonly pid: number;
  readonly startTime: string;
  /** Spawned by the fake (a child) or added by the test (a process to adopt). */
  readonly spawned: boolean;
  /** Another user's: it can be seen but not signalled (EPERM). */
  readonly foreign: boolean;
  /** Its environment as a child sees it: for a spawned one, what the spec added. */
  readonly env: Readonly<Record<string, string>>;
  /** Its parent: the fake's `ownPid` for a spawned one, 1 (init) for an added one unless given. */
  readonly ppid: number;
  /** Its session: its own pid (a session leader) unless given. */
  readonly session: number;
  /** What its /proc/<pid>/exe would show: a spawned one's command; null when it cannot be read; undefined for one no spawn ran. */
  readonly executable: string | null | undefined;
  /** The cgroup it runs in: a spawned one's `SpawnSpec.cgroup`, an added one's own (see `FakeCgroups`). */
  readonly cgroup?: string;
  alive: boolean;
  exit?: ExitStatus;
}

/** What `FakeProcesses.addProcess` takes: how the process behaves, and what it looks like from outside. */
export interface AddedProcess extends Pick<FakeProcessScript, 'exitAfterMs' | 'onSigint' | 'readyAfterMs' | 'unhealthyAfterMs'> {
  /** Another user's: it can be seen but not signalled (EPERM). */
  readonly foreign?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  readonly ppid?: number;
  readonly session?: number;
  /**
   * What its /proc/<pid>/exe shows, to be taken for the process of a spawn
   * of that command (a fake spawn's executable is its command). `null`: it
   * cannot be read, as a non-dumpable process's cannot by a user other than
   * root. Absent: a program no spawn runs.
   */
  readonly executable?: string | null;
  /**
   * When it started, in virtual ms (default: now, when it is added): a
   * process that had run a while before the test adopts it. Never later
   * than now. A fake tick is a virtual ms counted from virtual time 0, the
   * fake's boot, so this is also its start time.
   */
  readonly startedAt?: number;
  /** The cgroup it runs in (see `FakeCgroups`): a stray to be found, or a service's escapee, which a group kill misses and only the cgroup's kill ends. */
  readonly cgroup?: string;
}
