import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lookUpProcStat, parseProcStat } from '../../lib/process/proc-stat.js';

// The fields after the name, as Linux prints them for a sleeping process:
// state ppid pgrp session tty_nr tpgid flags … starttime (field 22) vsize …
const TAIL = 'S 1 4242 4242 0 -1 4194304 98 0 0 0 0 0 0 0 20 0 1 0 987654 3133440 382 18446744073709551615 0';
const statOf = (comm: string, pid = 4242): string => `${pid} (${comm}) ${TAIL}\n`;

describe('parseProcStat: the command name is whatever a process calls itself (pid-reuse safety depends on it)', () => {
  it.each([
    ['plain', 'sleep'],
    ['a ) and a space', 'a) b'],
    ['what looks like the fields of another process', ') Z 1 1 1 1 1 1'],
    ['the state, pgrp and session of pid 1', 'x) R 1 1 1'],
    ['a newline', 'a\nb) Z 1'],
    ['a trailing newline and parentheses', '((x))\n'],
    ['exactly 15 bytes ending in )', 'abcdefghijklmn)'],
    ['exactly 15 bytes of ) and spaces', ') ) ) ) ) ) ) )'],
    ['nothing at all', ''],
    ['UTF-8 bytes read as latin1', Buffer.from('dæmon) Z 9', 'utf8').toString('latin1')],
  ])('reads the fields after a name with %s', (_, comm) => {
    expect(parseProcStat(statOf(comm))).toEqual({ state: 'S', ppid: 1, pgrp: 4242, session: 4242, startTime: '987654' });
  });

  it('reads any name of at most 15 bytes right', () => {
    const byte = fc.constantFrom(' ', ')', '(', '\n', 'Z', 'R', '1', '0', '-', 'a', '\t', '\u00ff');
    fc.assert(
      fc.property(fc.string({ unit: byte, maxLength: 15 }), fc.integer({ min: 2, max: 4_194_304 }), fc.bigInt({ min: 0n, max: 2n ** 63n }), (comm, pid, start) => {
        const text = `${pid} (${comm}) R 1 ${pid} ${pid + 1} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 0 0\n`;
        expect(parseProcStat(text)).toEqual({ state: 'R', ppid: 1, pgrp: pid, session: pid + 1, startTime: String(start) });
      }),
    );
  });

  it.each([
    ['no parentheses', '4242 sleep S 1 2 3'],
    ['no pid', '(sleep) ' + TAIL],
    ['a cut-off line', '4242 (sleep) S 1 4242'],
    ['a start time that is not a number', `4242 (x) S 1 2 3 ${'0 '.repeat(15)}soon 0`],
    ['an empty text', ''],
  ])('refuses %s rather than guess', (_, text) => {
    expect(parseProcStat(text)).toBeUndefined();
  });
});

describe('lookUpProcStat tells a process that is gone from one it cannot see', () => {
  it('finds its own process', () => {
    const look = lookUpProcStat(process.pid);
    expect(look.kind).toBe('found');
    expect(look.kind === 'found' && look.stat.state).toMatch(/^[RS]$/);
  });

  it('calls a pid with no /proc entry gone', () => {
    // Above pid_max's ceiling (2^22): no process can have it.
    expect(lookUpProcStat(4_194_305)).toEqual({ kind: 'gone' });
  });
});
