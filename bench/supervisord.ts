// supervisord (Debian's `supervisor`) as a bench peer: one program a
// service, restarted on every exit, its output discarded; its log, whose
// `exited:` lines time a restart cycle.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { textOr } from './measure.js';
import type { Peer } from './peers.js';

// `2026-11-27 11:01:50,532 INFO exited: t (exit status 0; expected)`: the time is local, to the millisecond.
const EXITED = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3}) INFO exited: (\S+) /;

export const supervisord: Peer = {
  name: 'supervisord',
  program: 'supervisord',
  install: 'apt-get install supervisor',
  configure: (dir, services) => {
    const config = join(dir, 'supervisord.conf');
    writeFileSync(
      config,
      [
        // user=root, as root only: said, so that supervisord does not complain of it (as another user, it would refuse to start).
        `[supervisord]\nnodaemon=true\n${process.getuid?.() === 0 ? 'user=root\n' : ''}logfile=${join(dir, 'supervisord.log')}\npidfile=${join(dir, 'supervisord.pid')}\nchildlogdir=${dir}\n`,
        // startsecs=0: a process that ran at all counts as started, so a quick exit is restarted like any other.
        ...Object.entries(services).map(([id, argv]) => `[program:${id}]\ncommand=${argv.join(' ')}\nautorestart=true\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n`),
        // One group of them all: supervisord stops its groups one after another (a loop of its own each), the processes of a group at once.
        ...(Object.keys(services).length === 0 ? [] : [`[group:all]\nprograms=${Object.keys(services).join(',')}\n`]),
      ].join('\n'),
    );
    return ['supervisord', '-n', '-c', config];
  },
  exitLog: (dir) => textOr(() => readFileSync(join(dir, 'supervisord.log'), 'utf8')),
  exitAt: (line, id) => {
    const exited = EXITED.exec(line);
    return exited === null || exited[4] !== id ? undefined : Date.parse(`${exited[1] ?? ''}T${exited[2] ?? ''}.${exited[3] ?? ''}`);
  },
};
