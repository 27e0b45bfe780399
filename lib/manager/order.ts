import type { Service } from './service.js';

/** An entry left out of a desired set for its `after`, and why. */
export interface OrderProblem {
  readonly id: string;
  readonly message: string;
}

/** What has an `after`: a service, or an entry of a config that becomes one. */
export interface Ordered {
  readonly after?: readonly string[];
}

/** What makes the `after` of a set impossible to meet, at its roots (not what merely depends on it). */
export interface AfterFaults {
  /** By entry, in the set's order: the ids its `after` names that the set does not hold. */
  readonly unknown: ReadonlyMap<string, readonly string[]>;
  /** Each cycle found, once, as its chain from the entry where it was found back to it: `['a', 'b', 'a']`. */
  readonly cycles: readonly (readonly [string, ...string[]])[];
}

const afterOf = (entry: Ordered | undefined): readonly string[] => entry?.after ?? [];

/**
 * The ids that the `after` of each entry names and the set does not hold,
 * and the cycles of `after` among the entries it does. Pure.
 *
 * @example
 * afterFaults(new Map([['a', { after: ['b'] }], ['b', { after: ['a'] }], ['c', { after: ['x'] }]]));
 * // { unknown: Map { 'c' => ['x'] }, cycles: [['a', 'b', 'a']] }
 */
export const afterFaults = (entries: ReadonlyMap<string, Ordered>): AfterFaults => {
  const unknown = new Map<string, string[]>();
  for (const [id, entry] of entries) {
    const names = afterOf(entry).filter((name) => !entries.has(name));
    if (names.length > 0) unknown.set(id, names);
  }
  const cycles: (readonly [string, ...string[]])[] = [];
  // Depth-first, colouring: a dependency met again while still on the path closes a cycle.
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    state.set(id, 'open');
    path.push(id);
    // A name given twice is one edge: one cycle, not two of the same.
    for (const next of new Set(afterOf(entries.get(id)))) {
      if (!entries.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([next, ...path.slice(path.indexOf(next) + 1), next]);
      else visit(next);
    }
    path.pop();
    state.set(id, 'done');
  };
  for (const id of entries.keys()) visit(id);
  return { unknown, cycles };
};

/**
 * Checks the `after` of every service of a desired set: an id it names that
 * is not in the set, or a cycle (named, `a → b → a`), leaves the entry out,
 * and so does depending, directly or not, on an entry left out: only those
 * entries, every other one runs. Pure.
 */
export const checkOrder = (services: ReadonlyMap<string, Service>): { readonly runnable: Map<string, Service>; readonly problems: OrderProblem[] } => {
  const { unknown, cycles } = afterFaults(services);
  const why = new Map<string, string>();
  for (const [id, names] of unknown) why.set(id, `\`after\` names ${names.map((name) => JSON.stringify(name)).join(', ')}, not in the desired set`);
  for (const cycle of cycles) {
    for (const member of cycle.slice(0, -1)) if (!why.has(member)) why.set(member, `a cycle in \`after\`: ${cycle.join(' → ')}`);
  }
  // What depends on an entry left out could never start: it is left out too, saying which.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, service] of services) {
      if (why.has(id)) continue;
      const skipped = afterOf(service).find((name) => why.has(name));
      if (skipped === undefined) continue;
      why.set(id, `\`after\` names ${JSON.stringify(skipped)}, which is skipped`);
      changed = true;
    }
  }
  return {
    runnable: new Map([...services].filter(([id]) => !why.has(id))),
    problems: [...why].map(([id, message]) => ({ id, message })),
  };
};

/** For each id of `services`, the ids among them that name it in their `after`: who must be stopped before it. */
export const dependentsOf = (services: ReadonlyMap<string, Service>): Map<string, string[]> => {
  const dependents = new Map<string, string[]>();
  for (const [id, service] of services) {
    for (const name of afterOf(service)) {
      const known = dependents.get(name);
      if (known === undefined) dependents.set(name, [id]);
      else known.push(id);
    }
  }
  return dependents;
};
