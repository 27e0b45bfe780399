import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { closestName, strictObject } from '../../lib/cli/strict-codec.js';
import { reportDecodeErrors } from '../../lib/snapshot/decode-errors.js';

const KNOWN = ['command', 'args', 'cwd', 'env', 'token'];

describe('closestName: the name a user probably meant', () => {
  it.each([
    ['arg', 'args'],
    ['Args', 'args'],
    ['ARGS', 'args'],
    ['comand', 'command'],
    ['commnad', 'command'],
    ['commands', 'command'],
    ['tokn', 'token'],
    ['wd', 'cwd'],
    ['envs', 'env'],
  ])('%s → %s', (typo, meant) => {
    expect(closestName(typo, KNOWN)).toBe(meant);
  });

  it.each([['environment'], ['x'], ['restart'], ['e'], ['']])('%j is like none of them', (name) => {
    expect(closestName(name, KNOWN)).toBeUndefined();
  });
});

const Inner = strictObject('an inner', { port: t.number }, { host: t.string });
const Outer = strictObject('an outer', { name: t.string }, { inner: Inner, items: t.record(t.string, Inner) });
const errorsOf = (input: unknown): string => {
  const decoded = Outer.decode(input);
  return isLeft(decoded) ? reportDecodeErrors(decoded.left, '(the whole)').message : '';
};

describe('strictObject: an unknown field is an error naming it, where it is, and the name meant', () => {
  it('decodes what it knows, as t.type and t.partial do', () => {
    expect(Outer.decode({ name: 'n', inner: { port: 1 } })).toEqual({ _tag: 'Right', right: { name: 'n', inner: { port: 1 } } });
    expect(Outer.is({ name: 'n', items: { a: { port: 1, host: 'h' } } })).toBe(true);
    expect(Outer.is({ name: 'n', extra: 1 })).toBe(false);
  });

  it('at the top', () => {
    expect(errorsOf({ name: 'n', nmae: 'm' })).toBe('`nmae`: unknown field; did you mean `name`?');
  });

  it('nested, and under a record, with the path to it', () => {
    expect(errorsOf({ name: 'n', inner: { port: 1, hots: 'h' } })).toBe('`inner.hots`: unknown field; did you mean `host`?');
    expect(errorsOf({ name: 'n', items: { web: { Port: 1 } } })).toBe('`items.web.Port`: unknown field; did you mean `port`?');
  });

  it('lists the known fields when none is close', () => {
    expect(errorsOf({ name: 'n', inner: { port: 1, protocol: 'tcp' } })).toBe('`inner.protocol`: unknown field (known: port, host)');
  });

  it('names every unknown field, and still the bad value of a known one once the names are right', () => {
    expect(errorsOf({ name: 'n', a: 1, b: 2 })).toBe('`a`: unknown field (known: name, inner, items); `b`: unknown field (known: name, inner, items)');
    expect(errorsOf({ name: 'n', inner: { port: '80' } })).toBe("`inner.port`: expected number, got '80'");
  });

  it('refuses what is not an object', () => {
    expect(errorsOf([1])).toBe('`(the whole)`: expected an outer, got an array of 1');
    expect(errorsOf({ name: 'n', inner: null })).toBe('`inner`: expected an inner, got null');
  });
});
