import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readKernelText } from '../../lib/process/kernel-text.js';

describe('readKernelText', () => {
  it('reads a file of /proc byte for byte (latin1: what the kernel shows need not be UTF-8; a command line holds NULs)', () => {
    const text = readKernelText('/proc/self/cmdline');
    expect(text).toContain('\0');
    expect(Buffer.from(text ?? '', 'latin1')).toEqual(readFileSync('/proc/self/cmdline'));
  });

  it('is undefined for what cannot be read: a file not there, a directory', () => {
    expect(readKernelText('/proc/self/no-such-file')).toBeUndefined();
    expect(readKernelText('/proc/self')).toBeUndefined();
  });
});
