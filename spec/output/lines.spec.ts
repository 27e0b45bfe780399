import { describe, it } from 'vitest';
import type { FileSource } from '../../lib/output/file-source.js';
import { lines$ } from '../../lib/output/lines.js';
import { inVirtualTime } from '../helpers/virtual-time.js';

/** A file in memory, written by the test at set times (ms): the bytes of each write, or a truncation, or a replacement. */
class FakeFile implements FileSource {
  bytes = Buffer.alloc(0);
  ino = 1;
  exists = true;
  look() {
    return this.exists ? { size: this.bytes.length, ino: this.ino } : undefined;
  }
  read(_path: string, offset: number, length: number) {
    return this.bytes.subarray(offset, offset + length);
  }
  write(text: string): void {
    this.bytes = Buffer.concat([this.bytes, Buffer.from(text)]);
  }
}

describe('lines$: the lines of a file, as they arrive', () => {
  it('emits a line once its newline is written, joining a line split across two reads; only what comes after the start', () => {
    const file = new FakeFile();
    file.write('old line\n');
    inVirtualTime(({ expectObservable, cold }) => {
      cold('10ms a 90ms b 100ms c').subscribe((step) => {
        if (step === 'a') file.write('hello wo');
        if (step === 'b') file.write('rld\nsecond\nthi');
        if (step === 'c') file.write('rd\n');
      });
      const seen$ = lines$('/log', { source: file, pollMs: 100 });
      // Written at 10, 101 and 202; looked at 0, 100, 200, 300 …: "hello wo" (seen at 100) is held until its end arrives.
      expectObservable(seen$, '^ 500ms !').toBe('200ms (ab) 96ms c', { a: 'hello world', b: 'second', c: 'third' });
    });
  });

  it('a file truncated by rotation (copy-and-truncate) is read again from its start; the line cut in two is dropped', () => {
    const file = new FakeFile();
    inVirtualTime(({ expectObservable, cold }) => {
      cold('50ms a 100ms b 100ms c').subscribe((step) => {
        if (step === 'a') file.write('before rotation\nhalf a li');
        if (step === 'b') file.bytes = Buffer.alloc(0);
        if (step === 'c') file.write('after\n');
      });
      expectObservable(lines$('/log', { source: file, pollMs: 100 }), '^ 500ms !').toBe('100ms a 199ms b', { a: 'before rotation', b: 'after' });
    });
  });

  it('a file replaced under its name (another inode) is read from its start, even when it is longer', () => {
    const file = new FakeFile();
    file.write('one\n');
    inVirtualTime(({ expectObservable, cold }) => {
      cold('50ms a').subscribe(() => {
        file.ino = 2;
        file.bytes = Buffer.from('new one\nnew two\n');
      });
      expectObservable(lines$('/log', { source: file, pollMs: 100 }), '^ 300ms !').toBe('100ms (ab)', { a: 'new one', b: 'new two' });
    });
  });

  it('a file that is not there yet is waited for and read whole; from: start reads what is there already', () => {
    const missing = new FakeFile();
    missing.exists = false;
    const there = new FakeFile();
    there.write('first\n');
    inVirtualTime(({ expectObservable, cold }) => {
      cold('150ms a').subscribe(() => {
        missing.exists = true;
        missing.write('born\n');
      });
      expectObservable(lines$('/a', { source: missing, pollMs: 100 }), '^ 300ms !').toBe('200ms a', { a: 'born' });
      expectObservable(lines$('/b', { source: there, from: 'start', pollMs: 100 }), '^ 300ms !').toBe('a', { a: 'first' });
    });
  });
});
