/**
 * What a service waits for of one service it starts `after`: to be ready.
 * (A one-shot's dependents will wait for it to complete; a `until` of its
 * own, with its words in {@link waitingCause}.)
 */
export interface Awaited {
  readonly id: string;
  readonly until: 'ready';
}

const WORDS: Readonly<Record<Awaited['until'], string>> = { ready: 'to be ready' };

/** `a`, `a and b`, `a, b and c`. */
const listed = (ids: readonly string[]): string => (ids.length < 2 ? ids.join('') : `${ids.slice(0, -1).join(', ')} and ${ids.at(-1) ?? ''}`);

/**
 * Why a service is not spawned yet, in words: what it waits for of the
 * services it starts after, those awaited alike together, in order. The
 * cause of its state (`idle`) while it waits.
 *
 * @example
 * waitingCause([{ id: 'db', until: 'ready' }, { id: 'cache', until: 'ready' }]); // 'waiting for db and cache to be ready'
 */
export const waitingCause = (awaited: readonly Awaited[]): string => {
  const byUntil = new Map<Awaited['until'], string[]>();
  for (const { id, until } of awaited) byUntil.set(until, [...(byUntil.get(until) ?? []), id]);
  return `waiting for ${[...byUntil].map(([until, ids]) => `${listed(ids)} ${WORDS[until]}`).join(' and ')}`;
};
