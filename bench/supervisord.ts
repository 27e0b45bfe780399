// supervisord (Debian's `supervisor`) as a bench peer: one program a
// service, restarted on every exit, its output discarded; its log, whose
// `exited:` lines time a restart cycle.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Peer } from './peers.js';

// `2026-11-27 11:01:50,532 INFO exited: t (exit status 0; expected)`: the time is local, to the millisecond.
const EXITED = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3}) INFO exited: (\S+) /;

const readLog = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

export const supervisord: Peer = {
  name: 'supervisord',
  program: 'supervisord',
  install: 'apt-get install supervisor',
  configure: (dir, services) => {
    const config = join(dir, 'supervisord.conf');
    writeFileSync(
      config,
      [
        // user=root: said as root, so that supervisord does not complain that it was not.
        `[supervisord]\nnodaemon=true\nuser=root\nlogfile=${join(dir, 'supervisord.log')}\npidfile=${join(dir, 'supervisord.pid')}\nchildlogdir=${dir}\n`,
        // startsecs=0: a process that ran at all counts as started, so a quick exit is restarted like any other.
        ...Object.entries(services).map(([id, argv]) => `[program:${id}]\ncommand=${argv.join(' ')}\nautorestart=true\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n`),
        // One group of them all: supervisord stops its groups one after another (a loop of its own each), the processes of a group at once.
        ...(Object.keys(services).length === 0 ? [] : [`[group:all]\nprograms=${Object.keys(services).join(',')}\n`]),
      ].join('\n'),
    );
    return ['supervisord', '-n', '-c', config];
  },
  exits: (dir, id) =>
    readLog(join(dir, 'supervisord.log'))
      .split('\n')
      .map((line) => EXITED.exec(line))
      .flatMap((match) => (match === null || match[4] !== id ? [] : [Date.parse(`${match[1] ?? ''}T${match[2] ?? ''}.${match[3] ?? ''}`)])),
};
