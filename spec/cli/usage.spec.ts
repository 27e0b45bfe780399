import { describe, expect, it } from 'vitest';
import { USAGE, usageOf } from '../../lib/cli/usage.js';

const COMMANDS = ['run', 'manage', 'status', 'restart', 'stop', 'start', 'shutdown', 'logs'];

describe('usage: the summary of every command, or the lines of one', () => {
  it('the summary names every command, in a line each, and the exit codes', () => {
    for (const command of COMMANDS) expect(USAGE).toMatch(new RegExp(`^ {2}rxdaemon ${command === 'restart' || command === 'stop' || command === 'start' ? 'restart\\|stop\\|start' : command} `, 'm'));
    expect(USAGE).toContain('Exit codes: 0 done, 1 failure, 2 bad usage or config.');
  });

  it.each(COMMANDS)('%s has its own usage, which names no other command', (command) => {
    const usage = usageOf(command);
    expect(usage.startsWith(`Usage: rxdaemon ${command} `)).toBe(true);
    const named = [...usage.matchAll(/rxdaemon (\w+)/g)].map((match) => match[1]);
    expect(new Set(named)).toEqual(new Set([command]));
  });

  it('the fleet commands take ids or all; shutdown takes none', () => {
    expect(usageOf('stop')).toMatch(/^Usage: rxdaemon stop <id…\|all> \[--data-dir DIR\]\n/);
    expect(usageOf('restart')).toContain('one that gave up or completed is revived');
    expect(usageOf('shutdown')).toMatch(/^Usage: rxdaemon shutdown \[--data-dir DIR\]\n/);
    expect(usageOf('shutdown')).toContain('With no manager running');
  });

  it('no command, or one rxdaemon does not have: the summary', () => {
    expect(usageOf(undefined)).toBe(USAGE);
    expect(usageOf('bogus')).toBe(USAGE);
    expect(usageOf('toString')).toBe(USAGE);
  });
});
