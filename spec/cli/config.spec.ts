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

  const leftOf = (path: string): { message: string; incomplete: boolean } | undefined => {
    const result = readConfig(path);
    return result._tag === 'Left' ? result.left : undefined;
  };

  it('names the bad field, with what a command may hold (the snapshot codec’s own limits)', () => {
    expect(leftOf(file('bad.json', JSON.stringify({ daemons: { web: { command: 'envoy', args: [1] } } })))).toEqual({
      message: expect.stringContaining('`daemons.web.args`: expected an array of strings (at most 4096') as string,
      incomplete: false,
    });
    expect(leftOf(file('env.json', JSON.stringify({ daemons: { web: { command: 'envoy', env: { 'A=B': '1' } } } })))?.message).toContain("`daemons.web.env`: expected an object of strings (at most 4096 variables, names non-empty and without '='");
    expect(leftOf(file('nul.json', JSON.stringify({ daemons: { web: { command: 'env\u0000oy' } } })))?.message).toContain('`daemons.web.command`: expected a non-empty string without NUL');
  });

  it('refuses an unknown field at any level, naming it, where it is, and the closest known name (finding 13)', () => {
    expect(leftOf(file('arg.json', JSON.stringify({ daemons: { web: { command: 'envoy', arg: ['-c', 'x'] } } })))?.message).toMatch(
      /^invalid config .*arg\.json: `daemons\.web\.arg`: unknown field; did you mean `args`\?$/,
    );
    expect(leftOf(file('top.json', JSON.stringify({ deamons: {} })))?.message).toContain('`deamons`: unknown field; did you mean `daemons`?');
    expect(leftOf(file('far.json', JSON.stringify({ daemons: { web: { command: 'envoy', restartPolicy: 'always' } } })))?.message).toContain(
      '`daemons.web.restartPolicy`: unknown field (known: command, args, cwd, env, token)',
    );
  });

  it('says where JSON breaks, by line and column; a file that is not whole JSON may still be being written', () => {
    const broken = leftOf(file('broken.json', '{\n  "daemons": {\n    "web": { "command": "envoy" }\n    "api": {}\n  }\n}\n'));
    expect(broken).toEqual({ message: expect.stringMatching(/broken\.json: invalid JSON at line 4, column 5: Expected ',' or '}' after property value$/) as string, incomplete: true });
    expect(leftOf(file('cut.json', '{ "daemons": '))).toEqual({ message: expect.stringContaining('invalid JSON at line 1, column 14: Unexpected end of JSON input') as string, incomplete: true });
    expect(leftOf(file('empty.json', ''))?.incomplete).toBe(true);
  });

  it('a missing file may be mid-rename; an unreadable one is not', () => {
    expect(leftOf(join(dir, 'missing.json'))).toEqual({ message: `cannot read the config ${join(dir, 'missing.json')}: no such file or directory`, incomplete: true });
    expect(leftOf(dir)).toEqual({ message: expect.stringContaining('illegal operation on a directory') as string, incomplete: false });
  });

  it('refuses a config without daemons', () => {
    expect(leftOf(file('none.json', '{}'))?.message).toContain('`daemons`: expected');
  });
});
