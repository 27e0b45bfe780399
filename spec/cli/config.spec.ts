import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/cli/config.js';

const dir = mkdtempSync(join(tmpdir(), 'rxdaemon-config-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readConfig', () => {
  it('reads the daemons of a config', () => {
    const path = file('ok.json', JSON.stringify({ daemons: { web: { command: 'envoy', args: ['-c', 'x'], env: { A: '1' }, token: 't', cwd: '/' } } }));
    expect(readConfig(path)).toEqual({ _tag: 'Right', right: { web: { command: 'envoy', args: ['-c', 'x'], env: { A: '1' }, token: 't', cwd: '/' } } });
  });

  it('names the bad field', () => {
    const path = file('bad.json', JSON.stringify({ daemons: { web: { command: 'envoy', args: [1] } } }));
    const result = readConfig(path);
    expect(result._tag === 'Left' && result.left).toContain('`daemons.web.args.0`: expected string');
  });

  it('says when the file is not JSON, or not there', () => {
    const notJson = readConfig(file('broken.json', '{ "daemons": '));
    expect(notJson._tag === 'Left' && notJson.left).toMatch(/^cannot read the config .*broken\.json: /);
    const missing = readConfig(join(dir, 'missing.json'));
    expect(missing._tag === 'Left' && missing.left).toContain('ENOENT');
  });

  it('refuses a config without daemons', () => {
    const result = readConfig(file('empty.json', '{}'));
    expect(result._tag === 'Left' && result.left).toContain('`daemons`: expected');
  });
});
