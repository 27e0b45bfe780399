import fc from 'fast-check';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { checkCommand, commandEquals, type Command } from '../lib/command.js';
import { Daemon } from '../lib/daemon/daemon.js';
import { commandOf, decodeSnapshot } from '../lib/snapshot/check-snapshot.js';
import { MAX_ITEMS, MAX_TEXT } from '../lib/command-fields.js';
import { FakeDriver } from '../lib/testing/fake-driver.js';
import { testScheduler } from './helpers/virtual-time.js';

const many = (n: number, make: (i: number) => string = () => 'a'): string[] => Array.from({ length: n }, (_, i) => make(i));
const envOf = (n: number): Record<string, string> => Object.fromEntries(many(n, (i) => `V${i}`).map((name) => [name, 'x']));

/**
 * The whole way a command goes through a restart: a daemon of it runs (in
 * virtual time), its snapshot is written as JSON text, read back, and
 * restored. Returns the command the restored daemon runs.
 */
const throughARestart = (command: Command): Command => {
  const scheduler = testScheduler();
  const driver = new FakeDriver({}, { scheduler });
  const daemon = new Daemon(command, { driver, scheduler });
  daemon.start();
  scheduler.flush();
  const text = JSON.stringify(daemon.snapshot());
  daemon.close();
  const restored = Daemon.restore(JSON.parse(text), { driver, scheduler, ...(command.token === undefined ? {} : { token: command.token }) });
  if (!isRight(restored)) throw new Error(`not restored: ${restored.left.message}`);
  restored.right.close();
  return restored.right.command;
};

describe('checkCommand accepts exactly what a snapshot can restore (finding 4)', () => {
  it.each([
    [{ command: 'x', env: { 'A=B': '1' } }, "`env` to be an object of strings", 'got a variable named "A=B"'],
    [{ command: 'x', env: { 'A\0': '1' } }, '`env`', 'got a variable named "A\\u0000"'],
    [{ command: 'x', env: { '': '1' } }, '`env`', 'got a variable named ""'],
    [{ command: 'x', env: { A: 's3cret\0' } }, '`env`', 'got the variable `A` set to a string with a NUL at index 6'],
    [{ command: 'x', env: { A: 'v'.repeat(MAX_TEXT + 1) } }, '`env`', `set to a string of ${MAX_TEXT + 1} characters`],
    [{ command: 'x', env: envOf(MAX_ITEMS + 1) }, '`env`', `got an object of ${MAX_ITEMS + 1} variables`],
    [{ command: 'x', env: new Map() }, '`env`', 'got an object'],
    [{ command: 'x', args: many(MAX_ITEMS + 1) }, '`args` to be an array of strings (at most 4096', `got an array of ${MAX_ITEMS + 1}`],
    [{ command: 'x', args: ['ok', 'a'.repeat(MAX_TEXT + 1)] }, '`args`', `got an array whose item 1 is a string of ${MAX_TEXT + 1} characters`],
    [{ command: 'x', args: ['ok', 'b\0'] }, '`args`', 'got an array whose item 1 is a string with a NUL at index 1'],
    // eslint-disable-next-line no-sparse-arrays -- a hole is what JSON writes as null
    [{ command: 'x', args: ['a', , 'c'] }, '`args`', 'got an array whose item 1 is a hole'],
    [{ command: 'sl\0eep' }, '`command` to be a non-empty string without NUL', 'got a string with a NUL at index 2'],
    [{ command: '' }, '`command`', 'got an empty string'],
    [{ command: 'c'.repeat(MAX_TEXT + 1) }, '`command`', `got a string of ${MAX_TEXT + 1} characters`],
    [{ command: 'x', cwd: '/srv\0' }, '`cwd` to be a string without NUL', 'got a string with a NUL at index 4'],
    [{ command: 'x', cwd: 'd'.repeat(MAX_TEXT + 1) }, '`cwd`', `got a string of ${MAX_TEXT + 1} characters`],
    [{ command: 'x', id: 'a\0' }, '`id`', 'got a string with a NUL at index 1'],
    [{ command: 'x', token: 'hunter2\0' }, '`token` to be a string without NUL', 'got a string with a NUL at index 7'],
    [{ command: 'x', token: 7 }, '`token`', 'got a number'],
  ])('refuses %#, naming the field and what is wrong', (command, field, got) => {
    let message = '';
    try {
      checkCommand(command as never);
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      message = (error as Error).message;
    }
    expect(message).toContain(`Expected the command's ${field}`);
    expect(message).toContain(got);
    // Values and the token are never quoted.
    expect(message).not.toContain('s3cret');
    expect(message).not.toContain('hunter2');
    expect(message.length).toBeLessThan(400);
  });

  it('accepts the limits themselves, and they survive a restart', () => {
    const command: Command = {
      command: 'c'.repeat(MAX_TEXT),
      args: [...many(MAX_ITEMS - 1), 'a'.repeat(MAX_TEXT)],
      env: { ...envOf(MAX_ITEMS - 1), LONG: 'v'.repeat(MAX_TEXT) },
      cwd: '',
      id: 'i'.repeat(MAX_TEXT),
      token: 't'.repeat(MAX_TEXT),
    };
    expect(checkCommand(command)).toBe(command);
    expect(throughARestart(command)).toEqual(command);
  });

  // Texts made of the characters that break parsers and codecs: '=', NUL,
  // a lone surrogate, quotes, newlines, and now and then one at the length limit.
  const units = ['a', '=', ' ', '\n', '"', '\\', 'é', '\ud800', '\udfff', '😀', ')', '__proto__'];
  const hostileText = fc.oneof(
    { weight: 12, arbitrary: fc.string({ unit: fc.constantFrom(...units), maxLength: 6 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('\0', ...units), maxLength: 6 }) },
    { weight: 1, arbitrary: fc.constantFrom(MAX_TEXT, MAX_TEXT + 1).map((n) => 'x'.repeat(n)) },
  );
  const hostileArgs = fc.oneof(
    { weight: 6, arbitrary: fc.array(hostileText, { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.sparseArray(fc.string(), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom(MAX_ITEMS, MAX_ITEMS + 1).map((n) => many(n)) },
  );
  const hostileEnv = fc.oneof(
    { weight: 6, arbitrary: fc.dictionary(hostileText, hostileText, { maxKeys: 5 }) },
    { weight: 1, arbitrary: fc.constantFrom(MAX_ITEMS, MAX_ITEMS + 1).map(envOf) },
  );
  const hostileCommand = fc.record(
    { command: hostileText, args: hostileArgs, env: hostileEnv, cwd: hostileText, id: hostileText, token: hostileText },
    { requiredKeys: ['command'] },
  );

  it('whatever it accepts survives snapshot, JSON text and restore unchanged', () => {
    let accepted = 0;
    fc.assert(
      fc.property(hostileCommand, (command) => {
        try {
          checkCommand(command);
        } catch {
          return;
        }
        accepted++;
        const after = throughARestart(command);
        expect(commandEquals(after, command)).toBe(true);
        expect(after).toEqual({ args: [], env: {}, ...command });
      }),
      { numRuns: 300 },
    );
    // The property must have been tested on accepted commands, not only on refusals.
    expect(accepted).toBeGreaterThan(20);
  });

  it('whatever a snapshot can hold, it accepts', () => {
    let held = 0;
    fc.assert(
      fc.property(hostileCommand, (command) => {
        const decoded = decodeSnapshot({ version: 1, pid: 1000, startTime: null, bootId: null, args: [], env: {}, ...command, token: undefined });
        // What a snapshot cannot hold is not this property's.
        if (isLeft(decoded)) return;
        held++;
        expect(() => checkCommand(commandOf(decoded.right, undefined))).not.toThrow();
      }),
      { numRuns: 300 },
    );
    // The property must have been tested on commands a snapshot holds, not only on ones it refuses.
    expect(held).toBeGreaterThan(20);
  });
});
