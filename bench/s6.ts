// s6 (Debian's `s6`) as a bench peer: s6-svscan on a scan directory of one
// service directory a service (its `run` a shell script that execs the
// command, so an s6-supervise each), and the death tally s6-supervise keeps
// (s6-svdt), whose TAI64N stamps time a restart cycle.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { textOr } from './measure.js';
import type { Peer } from './peers.js';

// `@400000006b0963421818f081 exitcode 0`: seconds since 1970 plus 2^62 (and TAI's offset), then nanoseconds, in hex.
const STAMP = /^@([0-9a-f]{16})([0-9a-f]{8}) /;
const TAI_BASE = 2n ** 62n;

const quoted = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;

export const s6: Peer = {
  name: 's6',
  program: 's6-svscan',
  install: 'apt-get install s6',
  configure: (dir, services) => {
    const scan = join(dir, 'scan');
    for (const [id, argv] of Object.entries(services)) {
      mkdirSync(join(scan, id), { recursive: true });
      writeFileSync(join(scan, id, 'run'), `#!/bin/sh\nexec ${argv.map(quoted).join(' ')}\n`, { mode: 0o755 });
    }
    mkdirSync(scan, { recursive: true });
    return ['s6-svscan', scan];
  },
  // Before s6-supervise has started, there is no tally to read.
  exitLog: (dir, id) => textOr(() => execFileSync('s6-svdt', [join(dir, 'scan', id)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
  exitAt: (line) => {
    const stamp = STAMP.exec(line);
    return stamp === null ? undefined : Number(BigInt(`0x${stamp[1] ?? ''}`) - TAI_BASE) * 1_000 + Number.parseInt(stamp[2] ?? '', 16) / 1e6;
  },
};
