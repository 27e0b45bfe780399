import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliToEnd } from '../helpers/cli.js';
import { sandboxPerTest } from '../helpers/real-processes.js';

const sandbox = sandboxPerTest();

const dataDir = (snapshot?: string): string => {
  const dir = sandbox().path('data');
  mkdirSync(dir, { mode: 0o700 });
  if (snapshot !== undefined) writeFileSync(join(dir, 'snapshot.json'), snapshot, { mode: 0o600 });
  return dir;
};

describe('rxdaemon status says what it found, never "no daemons" for what it cannot read (finding 11)', () => {
  it('a data dir that does not exist: exit 1, naming it', async () => {
    const typo = sandbox().path('no-such-data-dir');
    for (const json of [[], ['--json']]) {
      const { code, stdout, stderr } = await cliToEnd(['status', ...json, '--data-dir', typo], sandbox().dir);
      expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
      expect(stderr).toBe(`rxdaemon: there is no data dir ${typo} (is --data-dir right?)\n`);
    }
  });

  it.each([
    ['not JSON', '{"version":1,"daemons":{"web":', /is corrupt: .*JSON/],
    ['JSON of another shape', '{"version":2,"daemons":[]}', /is corrupt: not a manager snapshot \(version 1\)/],
  ])('a snapshot.json that is %s: exit 1, saying it is corrupt, and the file left where it is', async (_, text, reason) => {
    const dir = dataDir(text);
    const { code, stdout, stderr } = await cliToEnd(['status', '--data-dir', dir], sandbox().dir);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toContain(`the snapshot ${join(dir, 'snapshot.json')}`);
    expect(stderr).toMatch(reason);
    expect(readdirSync(dir)).toEqual(['snapshot.json']);
    expect(readFileSync(join(dir, 'snapshot.json'), 'utf8')).toBe(text);
  });

  it('a data dir with no records yet: the header says no manager runs, no daemons, exit 3', async () => {
    const dir = dataDir();
    const header = `no manager runs (data dir ${dir}) · from its records: no CPU, restarts or last exit`;
    const human = await cliToEnd(['status', '--data-dir', dir], sandbox().dir);
    expect(human).toEqual({ code: 3, stdout: `${header}\nno daemons\n`, stderr: '' });
    expect(await cliToEnd(['status', '--json', '--data-dir', dir], sandbox().dir)).toEqual({ code: 3, stdout: '', stderr: `rxdaemon: ${header}\n` });
  });

  it('an entry whose process is gone is listed as dead, with why', async () => {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
    const entry = { version: 1, pid: 4_194_304, startTime: '1', bootId, command: 'sleep', args: ['60'], env: {} };
    const dir = dataDir(JSON.stringify({ version: 1, daemons: { web: entry } }));
    const { code, stdout } = await cliToEnd(['status', '--json', '--data-dir', dir], sandbox().dir);
    expect(code).toBe(3);
    expect(JSON.parse(stdout)).toEqual({
      id: 'web',
      status: 'dead',
      pid: 4_194_304,
      since: null,
      uptimeMs: null,
      restarts: null,
      lastExit: null,
      cpuPercent: null,
      cpuScope: null,
      rssBytes: null,
      memoryScope: null,
      cause: 'process 4194304 is gone',
    });
  });
});
