import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configReader } from '../../lib/cli/config.js';
import type { DesiredSet } from '../../lib/manager/service.js';
import { serviceEquals } from '../../lib/manager/service.js';

const dir = mkdtempSync(join(tmpdir(), 'rxdaemon-defaults-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const write = (name: string, config: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
};
const right = (read: () => ReturnType<ReturnType<typeof configReader>>): DesiredSet => {
  const result = read();
  if (result._tag === 'Left') throw new Error(result.left.message);
  return result.right;
};
const messageOf = (config: unknown): string | undefined => {
  const result = configReader(write('bad.json', config))();
  return result._tag === 'Left' ? result.left.message.replace(/^invalid config \S+: /, '') : undefined;
};

describe('a config’s top-level defaults: service options for every service', () => {
  it('applies to every service that does not set its own; a service’s own value wins', () => {
    const desired = right(
      configReader(
        write('defaults.json', {
          defaults: { gracefulStopMs: 20_000, stopSignal: 'SIGTERM', maxLogBytes: 0, stderr: { file: 'all.err' } },
          daemons: { web: { command: 'envoy' }, db: { command: 'postgres', stopSignal: 'SIGINT', stderr: 'ignore' } },
        }),
      ),
    );
    expect(desired).toEqual({
      web: { command: 'envoy', gracefulStopMs: 20_000, stopSignal: 'SIGTERM', maxLogBytes: 0, stderr: { file: join(dir, 'all.err') } },
      db: { command: 'postgres', gracefulStopMs: 20_000, stopSignal: 'SIGINT', maxLogBytes: 0, stderr: 'ignore' },
    });
  });

  it('a default restart policy, ready or health check is the daemons’: a one-shot takes the rest, not those', () => {
    const desired = right(
      configReader(
        write('oneshot.json', {
          defaults: { restart: { policy: 'never' }, ready: { tcp: 5432 }, health: { tcp: 5432 }, tailLines: 5 },
          daemons: { migrate: { command: 'migrate', oneshot: true }, web: { command: 'envoy', after: ['migrate'] } },
        }),
      ),
    );
    expect(desired.migrate).toEqual({ command: 'migrate', oneshot: true, tailLines: 5 });
    expect(Object.keys(desired.web ?? {}).sort()).toEqual(['after', 'command', 'health', 'ready', 'restart', 'tailLines']);
  });

  it('one policy object, and one check, for every service it is the default of, and the same across reads', () => {
    const read = configReader(write('shared.json', { defaults: { restart: { policy: 'exponential' }, ready: { tcp: 80 } }, daemons: { a: { command: 'a' }, b: { command: 'b' } } }));
    const first = right(read);
    const again = right(read);
    expect(first.a?.restart).toBe(first.b?.restart);
    expect(first.a?.ready?.check).toBe(first.b?.ready?.check);
    expect(serviceEquals(first.a ?? { command: '' }, again.a ?? { command: '' })).toBe(true);
  });

  it('a reload with changed defaults changes exactly the services whose options changed', () => {
    const path = join(dir, 'reload.json');
    const read = configReader(path);
    const config = (defaults: Record<string, unknown>) => ({ defaults, daemons: { web: { command: 'envoy' }, db: { command: 'postgres', gracefulStopMs: 1_000 }, job: { command: 'job', restart: { policy: 'never' } } } });
    writeFileSync(path, JSON.stringify(config({ gracefulStopMs: 5_000, restart: { policy: 'consul' } })));
    const before = right(read);
    writeFileSync(path, JSON.stringify(config({ gracefulStopMs: 9_000, restart: { policy: 'consul' } })));
    const after = right(read);
    const changed = Object.keys(before).filter((id) => !serviceEquals(before[id] ?? { command: '' }, after[id] ?? { command: '' }));
    expect(changed).toEqual(['web', 'job']);
    writeFileSync(path, JSON.stringify(config({ gracefulStopMs: 9_000, restart: { policy: 'exponential' } })));
    const third = right(read);
    expect(Object.keys(after).filter((id) => !serviceEquals(after[id] ?? { command: '' }, third[id] ?? { command: '' }))).toEqual(['web', 'db']);
  });

  it.each([
    [{ gracefulStopM: 5 }, '`defaults.gracefulStopM`: unknown field; did you mean `gracefulStopMs`?'],
    [{ command: 'x' }, '`defaults.command`: unknown field (known: gracefulStopMs, stopSignal, killProcessGroup, stdout, stderr, tailLines, maxLogBytes, logBackups, uid, gid, memoryMax, cpuMax, pidsMax, restart, ready, health)'],
    [{ args: [] }, '`defaults.args`: unknown field (known: gracefulStopMs, stopSignal, killProcessGroup, stdout, stderr, tailLines, maxLogBytes, logBackups, uid, gid, memoryMax, cpuMax, pidsMax, restart, ready, health)'],
    [{ env: { A: '1' } }, '`defaults.env`: unknown field (known: gracefulStopMs, stopSignal, killProcessGroup, stdout, stderr, tailLines, maxLogBytes, logBackups, uid, gid, memoryMax, cpuMax, pidsMax, restart, ready, health)'],
    [{ stopSignal: 'TERM' }, "`defaults.stopSignal`: expected a signal name such as 'SIGTERM', got 'TERM'"],
    [{ restart: { whne: 'always' } }, '`defaults.restart.whne`: unknown field; did you mean `when`?'],
    [{ stdout: 'inherit' }, "`defaults.stdout`: 'inherit' is not for a manager's daemons (they outlive its terminal): leave it out for the data dir's log, or give 'ignore' or { \"file\": path }"],
  ])('%j in defaults: %s', (defaults, message) => {
    expect(messageOf({ defaults, daemons: { web: { command: 'envoy' } } })).toBe(message);
  });

  it('a default that cannot work with a service’s own options is refused where the two meet', () => {
    expect(messageOf({ defaults: { ready: { output: 'listening' } }, daemons: { web: { command: 'envoy', stdout: 'ignore' } } })).toBe(
      "`daemons.web.ready.output`: reads the daemon's stdout file, but `stdout` is 'ignore' (`ready` from `defaults`)",
    );
  });
});
