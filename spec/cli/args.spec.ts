import { describe, expect, it } from 'vitest';
import { integerOption, parse, required } from '../../lib/cli/args.js';
import { UsageError } from '../../lib/cli/output.js';

describe('command-line arguments', () => {
  it('parses options and keeps the words after -- for the daemon', () => {
    const { values, positionals } = parse(['--grace', '10', '--', 'sleep', '--help'], { grace: { type: 'string' } }, true);
    expect(values.grace).toBe('10');
    expect(positionals).toEqual(['sleep', '--help']);
  });

  it('an unknown option is a usage error', () => {
    expect(() => parse(['--nope'], {})).toThrow(UsageError);
  });

  it('an integer option takes digits only', () => {
    expect(integerOption('grace', undefined, 5)).toBe(5);
    expect(integerOption('grace', '250', 5)).toBe(250);
    expect(() => integerOption('grace', '-1', 5)).toThrow("--grace takes a whole number of ms, got '-1'");
  });

  it('a required option must be there and not empty', () => {
    expect(required('config', 'a.json')).toBe('a.json');
    expect(() => required('config', '')).toThrow('--config is required');
    expect(() => required('config', undefined)).toThrow(UsageError);
  });
});
