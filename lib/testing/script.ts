import type { SpawnSpec } from '../process/spawn-spec.js';
import type { Signal } from '../signal-name.js';

/** How one fake process behaves, in virtual time. `{}` runs until it is signalled, and exits at SIGINT or SIGTERM. */
export interface FakeProcessScript {
  /** Spawning fails with this errno code (`ENOENT`, `EACCES`, …), a moment later, as a real spawn does. */
  readonly spawnError?: string;
  /** Exits by itself after this many ms; runs until signalled when absent. */
  readonly exitAfterMs?: number;
  /** The code it exits with by itself. Default 0. */
  readonly exitCode?: number;
  /** Dies of this signal instead of exiting with a code. */
  readonly exitSignal?: Signal;
  /**
   * What SIGINT and SIGTERM do: `exit` (default) kills it at once, as the
   * default action does; `ignore` does nothing; `{ exitAfterMs, exitCode }`
   * cleans up for that long, then exits with the code (default 0).
   */
  readonly onSigint?: 'exit' | 'ignore' | { readonly exitAfterMs: number; readonly exitCode?: number };
  /** When the driver's `check` starts to pass for it: this many ms after its spawn. Default 0, ready at once. */
  readonly readyAfterMs?: number;
  /**
   * When the driver's `check` fails for it again, for good: this many ms
   * after it became ready (its spawn plus `readyAfterMs`). Default never.
   */
  readonly unhealthyAfterMs?: number;
  /**
   * What it writes to its output files (those that are `{ file }`s) at its
   * spawn. With it, the driver records where the run's output begins, as
   * the real driver does, so `exited.tail` and `Daemon.snapshot()` hold
   * this run's lines only; without it, the test writes `files` itself and
   * a run's output is taken to begin at the start of each file.
   */
  readonly writes?: { readonly stdout?: string; readonly stderr?: string };
}

/**
 * A script chosen at each spawn. `spawn` is the spawn's index: 1 for this
 * driver's first spawn, 2 for its second, and so on, counted across every
 * daemon the driver serves (so `driver.spawns[spawn - 1]` is `spec`). In a
 * {@link ScriptsById} entry it counts that id's spawns only.
 */
export type ScriptFunction = (spawn: number, spec: SpawnSpec) => FakeProcessScript;

/**
 * One script per daemon, matched by the id a spawn carries in its
 * environment (`RXDAEMON_ID`: a command's `id`, a manager's key).
 *
 * @example
 * new FakeDriver({ byId: { db: {}, web: (spawn) => (spawn === 1 ? { exitAfterMs: 100, exitCode: 1 } : {}) } });
 */
export interface ScriptsById {
  /** By id: a script, or a function of that id's own spawns (1 is its first). */
  readonly byId: Readonly<Record<string, FakeProcessScript | ScriptFunction>>;
  /**
   * For a spawn whose id `byId` does not list, or that has none. Absent:
   * such a spawn throws a TypeError, since a script that forgot a daemon is
   * a bug of the test, not a process that runs forever.
   */
  readonly otherwise?: FakeProcessScript | ScriptFunction;
}

/**
 * How a {@link FakeDriver}'s processes behave: one script for every spawn,
 * a {@link ScriptFunction} of the spawn, or {@link ScriptsById}.
 */
export type Script = FakeProcessScript | ScriptFunction | ScriptsById;

const isById = (script: Script): script is ScriptsById => typeof script === 'object' && 'byId' in script;

const run = (script: FakeProcessScript | ScriptFunction, spawn: number, spec: SpawnSpec): FakeProcessScript =>
  typeof script === 'function' ? script(spawn, spec) : script;

// The script of one spawn, given `spawn` (its index across ids) and
// `spawnOfId` (its index among its id's). A spawn that `byId` cannot place
// throws now, when it is asked for.
const scriptOf = (script: Script, spec: SpawnSpec, idVariable: string): ((spawn: number, spawnOfId: number) => FakeProcessScript) => {
  if (!isById(script)) return (spawn) => run(script, spawn, spec);
  const id = spec.env[idVariable];
  const own = id === undefined || !Object.hasOwn(script.byId, id) ? undefined : script.byId[id];
  if (own !== undefined) return (_, spawnOfId) => run(own, spawnOfId, spec);
  const { otherwise } = script;
  if (otherwise === undefined) {
    const known = Object.keys(script.byId).join(', ');
    throw new TypeError(`FakeDriver: no script for the spawn of \`${spec.command}\` with ${idVariable}=${id ?? '(none)'}: byId lists ${known}; add it, or give \`otherwise\`.`);
  }
  return (spawn) => run(otherwise, spawn, spec);
};

/**
 * The scripts of one fake's spawns, picked in turn: it counts each id's
 * spawns as they come (a day of crash loop in virtual time is thousands of
 * spawns, and a filter of all of them at each was quadratic).
 */
export class SpawnScripts {
  readonly #spawnsOfId = new Map<string | undefined, number>();

  constructor(
    private readonly script: Script,
    private readonly idVariable: string,
  ) {}

  /**
   * The script of a spawn of `spec`, taken when the spawn happens, given
   * its index across ids; it is then counted among its id's. A spawn that
   * `byId` cannot place throws a TypeError now, when it is asked for.
   */
  of(spec: SpawnSpec): (spawn: number) => FakeProcessScript {
    const pick = scriptOf(this.script, spec, this.idVariable);
    const id = spec.env[this.idVariable];
    return (spawn) => {
      const ofId = (this.#spawnsOfId.get(id) ?? 0) + 1;
      this.#spawnsOfId.set(id, ofId);
      return pick(spawn, ofId);
    };
  }
}
