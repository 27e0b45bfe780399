import type { Service } from './service.js';

/** An entry left out of a desired set for its `after`, and why. */
export interface OrderProblem {
  readonly id: string;
  readonly message: string;
}

const afterOf = (service: Service | undefined): readonly string[] => service?.after ?? [];

/**
 * Checks the `after` of every service of a desired set: an id it names that
 * is not in the set, or a cycle (named, `a → b → a`), leaves the entry out,
 * and so does depending, directly or not, on an entry left out: only those
 * entries, every other one runs. Pure.
 */
export const checkOrder = (services: ReadonlyMap<string, Service>): { readonly runnable: Map<string, Service>; readonly problems: OrderProblem[] } => {
  const why = new Map<string, string>();
  for (const [id, service] of services) {
    const unknown = afterOf(service).filter((name) => !services.has(name));
    if (unknown.length > 0) why.set(id, `\`after\` names ${unknown.map((name) => JSON.stringify(name)).join(', ')}, not in the desired set`);
  }
  // Depth-first, colouring: a dependency met again while still on the path closes a cycle.
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    state.set(id, 'open');
    path.push(id);
    for (const next of afterOf(services.get(id))) {
      if (!services.has(next)) continue;
      if (state.get(next) === 'open') {
        const cycle = [...path.slice(path.indexOf(next)), next];
        for (const member of cycle.slice(0, -1)) if (!why.has(member)) why.set(member, `a cycle in \`after\`: ${cycle.join(' → ')}`);
      } else visit(next);
    }
    path.pop();
    state.set(id, 'done');
  };
  for (const id of services.keys()) visit(id);
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
