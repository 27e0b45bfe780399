import { defer, of } from 'rxjs';
import { fileSystem } from './file-source.js';
import type { Files } from './files.js';
import { removeFileSafe } from './remove-file.js';
import { rotateLog } from './rotate.js';
import { writeFileSafe } from './write-file.js';

/** The OS's {@link Files}: the file system, through the safe writes, reads and rotation of fs/. */
export const diskFiles: Files = {
  writeFile: (path, data, mode = 0o600) =>
    defer(() => {
      // Pid files: rewritten at every spawn, not worth an fsync each (see writeFileSafe).
      writeFileSafe(path, data, mode, false);
      return of(undefined);
    }),
  removeFile: (path) =>
    defer(() => {
      removeFileSafe(path);
      return of(undefined);
    }),
  output: fileSystem,
  rotate: (path, maxBytes, backups) => defer(() => rotateLog(path, maxBytes, backups)),
};
