import type { Headroom } from '../process/limits.js';

/**
 * How often ids held back by a limit of the OS are tried again when no
 * daemon of the manager ends: room is also freed by processes the manager
 * does not run (other users', the cgroup's others), which no event tells
 * of. A try is a few reads of /proc, so 10 s costs nothing, and a held
 * service waits at most that long once room is there.
 */
export const ROOM_RETRY_MS = 10_000;

/** What one try at starting ids does: those to start now, and those held back. */
export interface Admission {
  readonly start: readonly string[];
  readonly held: readonly string[];
}

/**
 * Splits ids to start (in order) by the room a limit leaves: as many as it
 * has room for start, the rest are held; no limit (`undefined`), all start.
 *
 * @example
 * admit(['a', 'b', 'c'], { more: 1, limit: 'RLIMIT_NPROC', value: 64, inUse: 31, raise: '…' }); // { start: ['a'], held: ['b', 'c'] }
 */
export const admit = (ids: readonly string[], headroom: Headroom | undefined): Admission =>
  headroom === undefined ? { start: ids, held: [] } : { start: ids.slice(0, headroom.more), held: ids.slice(headroom.more) };

/**
 * Why an id is not started, in words (a status's cause, a refused start):
 * the limit, its value and use, and how to raise it.
 *
 * @example
 * heldCause({ limit: 'RLIMIT_NPROC', value: 64, inUse: 64, raise: 'ulimit -u 97' }); // 'held: RLIMIT_NPROC is 64, 64 in use; ulimit -u 97'
 */
export const heldCause = ({ limit, value, inUse, raise }: Omit<Headroom, 'more'>): string => `held: ${limit} is ${value}, ${inUse} in use; ${raise}`;
