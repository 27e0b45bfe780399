// A line longer than this is matched in pieces of this size: a line is held
// in memory until its newline, and a daemon that never writes one must not
// make the supervisor hold its whole output.
const MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 0x0a;

/**
 * Cuts bytes read from a file into lines, keeping an unfinished last line
 * for the next read: a write may be seen half done, and a read may end in
 * the middle of a line (or of a UTF-8 character, which is why bytes, not
 * text, are kept). A line's `\r\n` ending is dropped with it.
 */
export class LineSplitter {
  private partial: Buffer = Buffer.alloc(0);

  /** The complete lines that `bytes` finish, in order. */
  push(bytes: Uint8Array): string[] {
    const data = this.partial.length === 0 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) : Buffer.concat([this.partial, bytes]);
    const lines: string[] = [];
    let start = 0;
    for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE, start)) {
      lines.push(data.toString('utf8', start, end > start && data[end - 1] === 0x0d ? end - 1 : end));
      start = end + 1;
    }
    if (data.length - start > MAX_LINE_BYTES) {
      lines.push(data.toString('utf8', start));
      this.partial = Buffer.alloc(0);
    } else {
      // A copy: the caller may reuse its buffer, and the rest of a chunk must not keep the whole chunk alive.
      this.partial = Buffer.from(data.subarray(start));
    }
    return lines;
  }

  /** Forgets the unfinished line: the file was truncated, and what follows is no continuation of it. */
  reset(): void {
    this.partial = Buffer.alloc(0);
  }
}
