import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../lib/output/line-splitter.js';

describe('LineSplitter', () => {
  it('gives the complete lines of each read and keeps the unfinished one for the next', () => {
    const lines = new LineSplitter();
    expect(lines.push(Buffer.from('one\ntw'))).toEqual(['one']);
    expect(lines.push(Buffer.from('o\r\nthree'))).toEqual(['two']);
    expect(lines.push(Buffer.from('\n\n'))).toEqual(['three', '']);
  });

  it('joins a UTF-8 character cut between two reads', () => {
    const bytes = Buffer.from('prêt\n');
    const lines = new LineSplitter();
    expect(lines.push(bytes.subarray(0, 3))).toEqual([]);
    expect(lines.push(bytes.subarray(3))).toEqual(['prêt']);
  });

  it('keeps its own copy of an unfinished line: the caller may reuse its buffer', () => {
    const buffer = Buffer.from('abc');
    const lines = new LineSplitter();
    lines.push(buffer);
    buffer.write('xyz');
    expect(lines.push(Buffer.from('\n'))).toEqual(['abc']);
  });

  it('gives a line longer than 64 KiB in pieces rather than holding it', () => {
    const lines = new LineSplitter();
    const long = 'x'.repeat(64 * 1024 + 1);
    expect(lines.push(Buffer.from(long))).toEqual([long]);
    expect(lines.push(Buffer.from('y\n'))).toEqual(['y']);
  });

  it('forgets the unfinished line on reset', () => {
    const lines = new LineSplitter();
    lines.push(Buffer.from('half'));
    lines.reset();
    expect(lines.push(Buffer.from('whole\n'))).toEqual(['whole']);
  });
});
