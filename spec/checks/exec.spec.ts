import { describe, expect, it } from 'vitest';
import { exec, outputTail } from '../../lib/checks/exec.js';

// What a command does when run is in spec/integration/checks.spec.ts: these need no process.
describe('checks.exec', () => {
  it('keeps the last line or two of the output, trimmed, on one line', () => {
    expect(outputTail('')).toBe('');
    expect(outputTail('  no response  \n')).toBe('no response');
    expect(outputTail('starting\n\nchecking 127.0.0.1:5432\r\n  refused\n\n')).toBe('checking 127.0.0.1:5432 | refused');
  });

  it('keeps the end of a long line, at most 200 characters', () => {
    const tail = outputTail(`${'a'.repeat(300)}THE END`);
    expect(tail).toHaveLength(200);
    expect(tail.startsWith('…')).toBe(true);
    expect(tail.endsWith('aTHE END')).toBe(true);
  });

  it('refuses a command that is not a non-empty string, and args that are not strings', () => {
    expect(() => exec('')).toThrow('Expected the `command` option to be a non-empty string, got `` (string).');
    expect(() => exec('pg_isready', ['-p', 5432 as unknown as string])).toThrow('Expected the `args` option to be an array of strings, got `["-p",5432]` (object).');
    expect(() => exec('pg_isready', ['-h', '127.0.0.1'])).not.toThrow();
  });
});
