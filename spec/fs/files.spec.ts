import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileSafe, writeFileSafe } from '../../lib/fs/write-file.js';
import { ensurePrivateDir } from '../../lib/fs/private-dir.js';
import { openAppendSafe } from '../../lib/fs/append-file.js';
import { readFileSafe } from '../../lib/fs/read-file.js';
import { removeFileSafe } from '../../lib/fs/remove-file.js';

const NOBODY = 65_534;

let dir: string;
/** A stand-in for /etc/passwd: a file outside rxdaemon's, which a planted link points at. */
let passwd: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxdaemon-files-'));
  passwd = join(dir, 'passwd');
  writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\n');
  chmodSync(passwd, 0o644);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const path = (name: string): string => join(dir, name);
const mode = (file: string): number => statSync(file).mode & 0o777;
const expectUntouched = (): void => {
  expect(readFileSync(passwd, 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');
  expect(mode(passwd)).toBe(0o644);
};
/** A link to the stand-in, planted where rxdaemon is about to write. */
const plant = (name: string): string => {
  symlinkSync(passwd, path(name));
  return path(name);
};
const fifo = (name: string): string => {
  execFileSync('mkfifo', [path(name)]);
  return path(name);
};
/** What a call threw: its code and message. */
const thrownBy = (call: () => unknown): { code: unknown; message: string } => {
  try {
    call();
  } catch (error) {
    return { code: (error as NodeJS.ErrnoException).code, message: (error as Error).message };
  }
  throw new Error('expected a throw');
};

describe('writeFileSafe', () => {
  it('replaces a symlink at the path with a file of its own, leaving the target alone', () => {
    const link = plant('web.pid');
    writeFileSafe(link, '42\n');
    expectUntouched();
    expect(lstatSync(link).isFile()).toBe(true);
    expect(readFileSync(link, 'utf8')).toBe('42\n');
    expect(mode(link)).toBe(0o600);
  });

  it('writes 0600 whatever the umask and the old file’s mode, atomically, leaving no temp file', () => {
    writeFileSync(path('snapshot.json'), 'old', { mode: 0o666 });
    chmodSync(path('snapshot.json'), 0o666);
    writeFileSafe(path('snapshot.json'), 'new');
    expect(readFileSync(path('snapshot.json'), 'utf8')).toBe('new');
    expect(mode(path('snapshot.json'))).toBe(0o600);
    writeFileSafe(path('state'), 'x', 0o640);
    expect(mode(path('state'))).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(['passwd', 'snapshot.json', 'state']);
  });

  it('throws an error with a code and a message naming the path and the reason', () => {
    expect(thrownBy(() => { writeFileSafe(path('passwd/x.pid'), '1'); })).toEqual({ code: 'ENOTDIR', message: `cannot write ${path('passwd/x.pid')}: not a directory` });
    expect(thrownBy(() => { writeFileSafe(path('missing/x.pid'), '1'); })).toEqual({ code: 'ENOENT', message: `cannot write ${path('missing/x.pid')}: no such file or directory` });
  });
});

describe('createFileSafe', () => {
  it('creates a name once; a second create, or a symlink already there, is refused with false and nothing followed', () => {
    expect(createFileSafe(path('1'), 'first')).toBe(true);
    expect(createFileSafe(path('1'), 'second')).toBe(false);
    expect(readFileSync(path('1'), 'utf8')).toBe('first');
    expect(mode(path('1'))).toBe(0o600);
    expect(createFileSafe(plant('2'), 'mine')).toBe(false);
    expectUntouched();
    expect(readdirSync(dir).sort()).toEqual(['1', '2', 'passwd']);
  });
});

describe('openAppendSafe', () => {
  const append = (file: string, text: string): void => {
    const fd = openAppendSafe(file);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  };

  it('creates a log 0600 and appends to it', () => {
    append(path('out.log'), 'a\n');
    append(path('out.log'), 'b\n');
    expect(readFileSync(path('out.log'), 'utf8')).toBe('a\nb\n');
    expect(mode(path('out.log'))).toBe(0o600);
  });

  it('refuses a symlink, saying so, and appends nothing to its target', () => {
    expect(thrownBy(() => { append(plant('out.log'), 'owned\n'); })).toEqual({ code: 'ELOOP', message: `cannot append to ${path('out.log')}: it is a symlink` });
    expectUntouched();
  });

  it('does not hang on a FIFO, read or not, and refuses it', () => {
    const planted = fifo('out.log');
    expect(thrownBy(() => openAppendSafe(planted))).toEqual({ code: 'ENXIO', message: `cannot append to ${planted}: it is a FIFO` });
    const reader = openSync(planted, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      expect(thrownBy(() => openAppendSafe(planted))).toEqual({ code: 'EINVAL', message: `cannot append to ${planted}: it is a FIFO, not a regular file` });
    } finally {
      closeSync(reader);
    }
  });

  it('refuses a file with a second hard link, and one owned by another user', () => {
    writeFileSync(path('shadow'), 'secret\n', { mode: 0o600 });
    linkSync(path('shadow'), path('out.log'));
    expect(thrownBy(() => { append(path('out.log'), 'x'); })).toEqual({ code: 'EMLINK', message: `cannot append to ${path('out.log')}: it has 2 hard links, not one` });
    writeFileSync(path('err.log'), '');
    chownSync(path('err.log'), NOBODY, NOBODY);
    expect(thrownBy(() => { append(path('err.log'), 'x'); })).toEqual({
      code: 'EPERM',
      message: `cannot append to ${path('err.log')}: it is owned by uid ${NOBODY}, not by you (uid ${process.geteuid?.() ?? -1})`,
    });
    expect(readFileSync(path('shadow'), 'utf8')).toBe('secret\n');
    expect(readFileSync(path('err.log'), 'utf8')).toBe('');
  });
});

describe('readFileSafe', () => {
  it('reads a file; undefined when there is none', () => {
    writeFileSync(path('snapshot.json'), '{}');
    expect(readFileSafe(path('snapshot.json'))).toBe('{}');
    expect(readFileSafe(path('none.json'))).toBeUndefined();
  });

  it('refuses a symlink and a FIFO (without hanging), and says why another error happened', () => {
    expect(thrownBy(() => readFileSafe(plant('snapshot.json')))).toEqual({ code: 'ELOOP', message: `cannot read ${path('snapshot.json')}: it is a symlink` });
    expect(thrownBy(() => readFileSafe(fifo('state')))).toEqual({ code: 'EINVAL', message: `cannot read ${path('state')}: it is a FIFO, not a regular file` });
    expect(thrownBy(() => readFileSafe(dir))).toEqual({ code: 'EINVAL', message: `cannot read ${dir}: it is a directory, not a regular file` });
    expect(thrownBy(() => readFileSafe(path('passwd/x')))).toEqual({ code: 'ENOTDIR', message: `cannot read ${path('passwd/x')}: not a directory` });
  });
});

describe('removeFileSafe', () => {
  it('removes a symlink itself, never its target; a missing file is fine', () => {
    removeFileSafe(plant('web.pid'));
    expect(readdirSync(dir)).toEqual(['passwd']);
    expectUntouched();
    removeFileSafe(path('web.pid'));
  });
});

describe('ensurePrivateDir', () => {
  it('creates a missing dir 0700, with its parents', () => {
    expect(ensurePrivateDir(path('a/b/data'))).toEqual({ _tag: 'Right', right: undefined });
    expect(mode(path('a/b/data'))).toBe(0o700);
  });

  it('makes a dir that is 0777 private', () => {
    mkdirSync(path('data'));
    chmodSync(path('data'), 0o777);
    expect(ensurePrivateDir(path('data'))).toEqual({ _tag: 'Right', right: undefined });
    expect(mode(path('data'))).toBe(0o700);
  });

  it('refuses a dir owned by another user, a symlink to a dir and a file, saying why, and changes none of them', () => {
    mkdirSync(path('theirs'), { mode: 0o755 });
    chownSync(path('theirs'), NOBODY, NOBODY);
    expect(ensurePrivateDir(path('theirs'))).toEqual({
      _tag: 'Left',
      left: { code: 'EPERM', message: `${path('theirs')} is owned by uid ${NOBODY}, not by you (uid ${process.geteuid?.() ?? -1})` },
    });
    expect(mode(path('theirs'))).toBe(0o755);

    mkdirSync(path('elsewhere'), { mode: 0o755 });
    symlinkSync(path('elsewhere'), path('data'));
    expect(ensurePrivateDir(path('data'))).toMatchObject({ _tag: 'Left', left: { message: `${path('data')} is a symlink, not a directory` } });
    expect(mode(path('elsewhere'))).toBe(0o755);

    expect(ensurePrivateDir(passwd)).toMatchObject({ _tag: 'Left', left: { message: `${passwd} is a regular file, not a directory` } });
    expectUntouched();
  });
});
