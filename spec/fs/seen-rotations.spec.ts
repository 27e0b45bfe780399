import { describe, expect, it } from 'vitest';
import type { FileSource } from '../../lib/fs/file-source.js';
import { lineReader } from '../../lib/output/lines.js';
import { seenRotations } from '../../lib/fs/seen-rotations.js';

/** Files in memory, each with an inode: a rename brings the inode along, a new file gets a new one. */
class Files {
  readonly files = new Map<string, { text: string; ino: number }>();
  #inodes = 0;
  write(path: string, text: string): void {
    const file = this.files.get(path);
    if (file === undefined) this.files.set(path, { text, ino: ++this.#inodes });
    else file.text += text;
  }
  /** As a manager rotates: a copy renamed to `.1` (a new inode), then the file truncated in place. */
  copyToBackup(path: string): void {
    this.files.set(`${path}.1`, { text: this.files.get(path)?.text ?? '', ino: ++this.#inodes });
  }
  truncate(path: string): void {
    const file = this.files.get(path);
    if (file !== undefined) file.text = '';
  }
  // No rotation counted: the source of a process that did not rotate the file.
  readonly source: FileSource = {
    look: (path) => {
      const file = this.files.get(path);
      return file === undefined ? undefined : { size: Buffer.byteLength(file.text), ino: file.ino, rotations: 0 };
    },
    read: (path, offset, length) => Buffer.from(this.files.get(path)?.text ?? '').subarray(offset, offset + length),
  };
}

const follow = (files: Files, source: FileSource) => {
  const look = lineReader('/log', { from: 'start', source });
  const seen: string[] = [];
  return (): string[] => {
    look((line) => seen.push(line));
    return seen;
  };
};

describe('seenRotations: the rotations of another process, as a reader sees them', () => {
  it('a rotation between two looks: the rest is read from .1, then the file from its start, no line lost or shown twice', () => {
    const files = new Files();
    files.write('/log', 'a\nb\n');
    const look = follow(files, seenRotations(files.source));
    expect(look()).toEqual(['a', 'b']);
    files.write('/log', 'c\n');
    files.copyToBackup('/log');
    files.truncate('/log');
    files.write('/log', 'd\n');
    expect(look()).toEqual(['a', 'b', 'c', 'd']);
    files.write('/log', 'e\n');
    files.copyToBackup('/log');
    files.truncate('/log');
    expect(look()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('without it, the lines written between the last look and the rotation are lost', () => {
    const files = new Files();
    files.write('/log', 'a\nb\n');
    const look = follow(files, files.source);
    look();
    files.write('/log', 'c\n');
    files.copyToBackup('/log');
    files.truncate('/log');
    files.write('/log', 'd\n');
    expect(look()).toEqual(['a', 'b', 'd']);
  });

  it('a rotation under way (.1 renamed in, the file not yet truncated) is not one yet; a truncation without a new .1 is none: the file is read from its start', () => {
    const files = new Files();
    files.write('/log', 'aaaa\n');
    const look = follow(files, seenRotations(files.source));
    look();
    files.write('/log', 'b\n');
    files.copyToBackup('/log');
    expect(look()).toEqual(['aaaa', 'b']);
    files.truncate('/log');
    files.write('/log', 'c\n');
    expect(look()).toEqual(['aaaa', 'b', 'c']);
  });
});
