import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { interval, map, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ConfigError } from '../../lib/cli/config.js';
import { configUpdates, type ConfigUpdate, type Reload } from '../../lib/cli/config-updates.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { testScheduler } from '../helpers/virtual-time.js';

const A: DesiredSet = { a: { command: 'x' } };
const B: DesiredSet = { a: { command: 'x' }, b: { command: 'y' } };
const half: Either<ConfigError, DesiredSet> = left({ message: 'c.json: invalid JSON at line 1, column 14: Unexpected end of JSON input', incomplete: true });
const bad: Either<ConfigError, DesiredSet> = left({ message: 'invalid config c.json: `daemons.a.arg`: unknown field; did you mean `args`?', incomplete: false });

/** A `read` that returns `results` one after the other (the last one for ever), counting its calls. */
const reads = (...results: Either<ConfigError, DesiredSet>[]) => {
  const read = Object.assign(
    () => {
      const result = results[Math.min(read.calls, results.length - 1)];
      read.calls++;
      if (result === undefined) throw new Error('no result scripted');
      return result;
    },
    { calls: 0 },
  );
  return read;
};

const VALUES: Record<string, Reload> = { c: 'change', h: 'hup' };
/** A busy directory: a sign every 25 ms for 10 s, never 100 ms of quiet (the first at 25 ms). */
const busy$ = interval(25).pipe(
  take(400),
  map((): Reload => 'change'),
);
const changed = (desired: DesiredSet): ConfigUpdate => ({ kind: 'changed', desired });
const invalid = (result: Either<ConfigError, DesiredSet>): ConfigUpdate => ({ kind: 'invalid', message: result._tag === 'Left' ? result.left.message : '' });

describe('configUpdates: the config as it changes (finding 13)', () => {
  it('waits for a file still being written: read again every 100 ms, and no error said for it', () => {
    const read = reads(half, half, right(B));
    testScheduler().run(({ hot, expectObservable }) => {
      // Settled 100 ms after the event, then two more reads 100 ms apart.
      expectObservable(configUpdates(read, A, hot('-c', VALUES))).toBe('301ms u', { u: changed(B) });
    });
    expect(read.calls).toBe(3);
  });

  it('says once what stays wrong with a file that no longer changes, after about 1 s of reads', () => {
    const read = reads(half);
    testScheduler().run(({ hot, expectObservable }) => {
      expectObservable(configUpdates(read, A, hot('-c', VALUES))).toBe('1101ms u', { u: invalid(half) });
    });
    expect(read.calls).toBe(11);
  });

  it('reports the same error once however many events come, again on SIGHUP, and again after a good config in between', () => {
    const read = reads(bad, bad, bad, right(B), bad);
    testScheduler().run(({ hot, expectObservable }) => {
      const reloads = hot('-c 199ms c 199ms h 199ms c 199ms c', VALUES);
      expectObservable(configUpdates(read, A, reloads)).toBe('101ms i 399ms i 199ms b 199ms i', { i: invalid(bad), b: changed(B) });
    });
  });

  it('an unchanged config does nothing on a change event; on SIGHUP it says so', () => {
    const read = reads(right({ a: { command: 'x', args: [] } }));
    testScheduler().run(({ hot, expectObservable }) => {
      expectObservable(configUpdates(read, A, hot('-c 199ms h', VALUES))).toBe('301ms u', { u: { kind: 'unchanged' } });
    });
  });

  it('a burst of events (an editor’s save, a ConfigMap’s swap) is one read; a SIGHUP in it still gets its answer', () => {
    const read = reads(right(A));
    testScheduler().run(({ hot, expectObservable }) => {
      expectObservable(configUpdates(read, A, hot('ccchc', VALUES))).toBe('104ms u', { u: { kind: 'unchanged' } });
    });
    expect(read.calls).toBe(1);
  });

  it('a sign every 25 ms for ever (a service writing beside the config) cannot starve the read: the config is read at most 400 ms after the first sign of a burst (issue 15, item 1)', () => {
    const read = reads(right(B));
    testScheduler().run(({ expectObservable }) => {
      expectObservable(configUpdates(read, A, busy$).pipe(take(1))).toBe('425ms (u|)', { u: changed(B) });
    });
  });

  it('a file still being written in a busy directory is waited for all the same: no error said for it (issue 15, item 1)', () => {
    const read = reads(half, half, half, half, half, half, right(B));
    testScheduler().run(({ expectObservable }) => {
      // Reads at 425, then every 100 ms while half; the next burst's read at 850 starts the wait anew; whole at 950.
      expectObservable(configUpdates(read, A, busy$).pipe(take(1))).toBe('950ms (u|)', { u: changed(B) });
    });
    expect(read.calls).toBe(7);
  });

  it('a newer event cancels the retries of an older one', () => {
    const read = reads(half, half, right(B));
    testScheduler().run(({ hot, expectObservable }) => {
      // Reads at 100 and 200 (retry), then the second event's read at 250 finds it whole.
      expectObservable(configUpdates(read, A, hot('c 149ms c', VALUES))).toBe('250ms u', { u: changed(B) });
    });
    expect(read.calls).toBe(3);
  });

  it('a changed option alone is a change, as the manager compares services (S6)', () => {
    const graceful: DesiredSet = { a: { command: 'x', stopSignal: 'SIGTERM' } };
    const read = reads(right(graceful));
    testScheduler().run(({ hot, expectObservable }) => {
      expectObservable(configUpdates(read, A, hot('-c', VALUES))).toBe('101ms u', { u: changed(graceful) });
    });
  });
});
