import type { DependencyEnd } from './events.js';

/**
 * What a service waits for of one service it starts `after`: a daemon to be
 * ready, a one-shot to complete (with exit code 0); and, when that service
 * ended otherwise (gave up, completed otherwise, was stopped on request, or
 * cannot be started), how, with its own cause in words.
 */
export interface Awaited {
  readonly id: string;
  readonly until: 'ready' | 'complete';
  readonly ended?: { readonly how: DependencyEnd; readonly cause: string };
}

const WORDS: Readonly<Record<Awaited['until'], string>> = { ready: 'to be ready', complete: 'to complete' };

/** `a`, `a and b`, `a, b and c`. */
const listed = (ids: readonly string[]): string => (ids.length < 2 ? ids.join('') : `${ids.slice(0, -1).join(', ')} and ${ids.at(-1) ?? ''}`);

/**
 * Why a service is not spawned yet, in words: what it waits for of the
 * services it starts after, those awaited alike together, in order, then
 * how each of them that ended ended. The cause of its state (`idle`)
 * while it waits.
 *
 * @example
 * waitingCause([{ id: 'db', until: 'ready' }, { id: 'cache', until: 'ready' }]); // 'waiting for db and cache to be ready'
 * waitingCause([{ id: 'migrate', until: 'complete', ended: { how: 'completed', cause: 'exited with code 3' } }]); // 'waiting for migrate to complete: migrate exited with code 3'
 */
export const waitingCause = (awaited: readonly Awaited[]): string => {
  const byUntil = new Map<Awaited['until'], string[]>();
  for (const { id, until } of awaited) byUntil.set(until, [...(byUntil.get(until) ?? []), id]);
  const ended = awaited.flatMap(({ id, ended }) => (ended === undefined ? [] : [`${id} ${ended.cause}`]));
  const waits = `waiting for ${[...byUntil].map(([until, ids]) => `${listed(ids)} ${WORDS[until]}`).join(' and ')}`;
  return ended.length === 0 ? waits : `${waits}: ${ended.join('; ')}`;
};
