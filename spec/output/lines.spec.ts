import { bufferTime, map } from 'rxjs';
import { describe, it } from 'vitest';
import type { FileSource } from '../../lib/fs/file-source.js';
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

/** A log and its rotated copies in memory, rotated the way the drivers do it: counted, copied to `.1` (the others up one), emptied. */
class RotatingLog implements FileSource {
  readonly files = new Map<string, Buffer>([['/log', Buffer.alloc(0)]]);
  rotations = 0;
  look(path: string) {
    const bytes = this.files.get(path);
    return bytes === undefined ? undefined : { size: bytes.length, ino: 1, rotations: this.rotations };
  }
  read(path: string, offset: number, length: number) {
    return (this.files.get(path) ?? Buffer.alloc(0)).subarray(offset, offset + length);
  }
  write(text: string): void {
    this.files.set('/log', Buffer.concat([this.files.get('/log') ?? Buffer.alloc(0), Buffer.from(text)]));
  }
  rotate(): void {
    for (let k = 2; k >= 1; k--) {
      const older = this.files.get(`/log.${k}`);
      if (older !== undefined) this.files.set(`/log.${k + 1}`, older);
    }
    this.files.set('/log.1', this.files.get('/log') ?? Buffer.alloc(0));
    this.files.set('/log', Buffer.alloc(0));
    this.rotations += 1;
  }
}

describe('lines$ across rotations the source counts', () => {
  it('a rotation between two looks, the file regrown past where it was read to: the rest of .1, then the file from its start, each line once', () => {
    const log = new RotatingLog();
    inVirtualTime(({ expectObservable, cold }) => {
      cold('50ms a 100ms b').subscribe((step) => {
        if (step === 'a') log.write('one\ntwo\nhalf a');
        if (step === 'b') {
          // Unread when the copy is made: it is in .1. The file then grows far past the 15 bytes read so far.
          log.write(' line\nthree\n');
          log.rotate();
          log.write('four\nfive, a longer line\nsix\n');
        }
      });
      expectObservable(lines$('/log', { source: log, pollMs: 100 }), '^ 500ms !').toBe('100ms (ab) 96ms (cdefg)', {
        a: 'one',
        b: 'two',
        c: 'half a line',
        d: 'three',
        e: 'four',
        f: 'five, a longer line',
        g: 'six',
      });
    });
  });

  it('two rotations between two looks: the rest of .2, all of .1, then the file', () => {
    const log = new RotatingLog();
    inVirtualTime(({ expectObservable, cold }) => {
      cold('50ms a 100ms b').subscribe((step) => {
        if (step === 'a') log.write('one\n');
        if (step === 'b') {
          log.write('two\n');
          log.rotate();
          log.write('three\n');
          log.rotate();
          log.write('four, past the old offset\n');
        }
      });
      expectObservable(lines$('/log', { source: log, pollMs: 100 }), '^ 500ms !').toBe('100ms a 99ms (bcd)', {
        a: 'one',
        b: 'two',
        c: 'three',
        d: 'four, past the old offset',
      });
    });
  });

  it('the rest of a rotated copy is read at most 1 MiB a look, before anything of the file', () => {
    const log = new RotatingLog();
    const line = `${'x'.repeat(1023)}\n`;
    inVirtualTime(({ expectObservable, cold }) => {
      cold('50ms a 100ms b').subscribe((step) => {
        if (step === 'a') log.write('start\n');
        if (step === 'b') {
          log.write(line.repeat(1536));
          log.rotate();
          log.write('after\n');
        }
      });
      const counted$ = lines$('/log', { source: log, pollMs: 100 }).pipe(
        bufferTime(100),
        map((seen) => `${seen.length}:${seen.at(-1)?.slice(0, 5) ?? ''}`),
      );
      // Counted in 100 ms buffers: "start" and 1 MiB of .1 (seen at 100 and 200), then its last 512 lines and the file.
      expectObservable(counted$, '^ 350ms !').toBe('100ms a 99ms b 99ms c', { a: '0:', b: '1025:xxxxx', c: '513:after' });
    });
  });
});

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

describe('lines$ until: the end of the lines', () => {
  it('at until, the file is read to its end at once, however much is left (more than a look reads), then the lines complete', () => {
    const file = new FakeFile();
    const line = `${'y'.repeat(1023)}\n`;
    inVirtualTime(({ expectObservable, cold }) => {
      // 1.5 MiB and a last line, written after the look at 100 and before the end at 150.
      cold('120ms a').subscribe(() => {
        file.write(`${line.repeat(1536)}last\n`);
      });
      const counted$ = lines$('/log', { source: file, pollMs: 100, until: cold('150ms e') }).pipe(
        bufferTime(100),
        map((seen) => `${seen.length}:${seen.at(-1)?.slice(0, 4) ?? ''}`),
      );
      // In 100 ms buffers: nothing by 100, then everything (at 150) and the completion, which flushes the buffer.
      expectObservable(counted$).toBe('100ms a 49ms (b|)', { a: '0:', b: '1537:last' });
    });
  });

  it('an until that completes ends the lines too; one that has ended already ends them at subscription, with nothing read', () => {
    const file = new FakeFile();
    file.write('before\n');
    inVirtualTime(({ expectObservable, cold }) => {
      cold('30ms a').subscribe(() => {
        file.write('last words\n');
      });
      expectObservable(lines$('/log', { source: file, pollMs: 100, until: cold('50ms |') })).toBe('50ms (a|)', { a: 'last words' });
      expectObservable(lines$('/log', { source: file, pollMs: 100, until: cold('|') })).toBe('|');
    });
  });

  it("until's error is the lines' error", () => {
    const file = new FakeFile();
    inVirtualTime(({ expectObservable, cold }) => {
      expectObservable(lines$('/log', { source: file, until: cold('10ms #', undefined, new Error('bug')) })).toBe('10ms #', undefined, new Error('bug'));
    });
  });
});
