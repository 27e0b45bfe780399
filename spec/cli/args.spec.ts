import { describe, expect, it } from 'vitest';
import { optionValue, parse, required } from '../../lib/cli/args.js';
import { UsageError } from '../../lib/cli/output.js';
import { Duration, SignalName } from '../../lib/validate.js';

describe('command-line arguments', () => {
  it('parses options and keeps the words after -- for the daemon', () => {
    const { values, positionals } = parse(['--grace', '10', '--', 'sleep', '--help'], { grace: { type: 'string' } }, true);
    expect(values.grace).toBe('10');
    expect(positionals).toEqual(['sleep', '--help']);
  });

  it('an unknown option is a usage error', () => {
    expect(() => parse(['--nope'], {})).toThrow(UsageError);
  });

  it('a value is decoded as a config field is: digits are a number; a bad one names the flag and what it takes', () => {
    expect(optionValue('grace', '250', Duration)).toBe(250);
    expect(optionValue('stop-signal', 'SIGTERM', SignalName)).toBe('SIGTERM');
    expect(() => optionValue('grace', '-1', Duration)).toThrow(new UsageError("--grace takes an integer number of ms between 0 and 2147483647, got '-1'"));
    expect(() => optionValue('grace', '2147483648', Duration)).toThrow("--grace takes an integer number of ms between 0 and 2147483647, got '2147483648'");
    expect(() => optionValue('grace', '1e3', Duration)).toThrow(UsageError);
    expect(() => optionValue('stop-signal', '15', SignalName)).toThrow("--stop-signal takes a signal name such as 'SIGTERM', got '15'");
  });

  it('a required option must be there and not empty', () => {
    expect(required('config', 'a.json')).toBe('a.json');
    expect(() => required('config', '')).toThrow('--config is required');
    expect(() => required('config', undefined)).toThrow(UsageError);
  });
});
