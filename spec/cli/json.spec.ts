import { describe, expect, it } from 'vitest';
import { parseJson } from '../../lib/cli/json.js';

describe('parseJson', () => {
  it('gives the value of whole JSON', () => {
    expect(parseJson('{ "daemons": { "web": { "command": "envoy" } } }')).toEqual({ _tag: 'Right', right: { daemons: { web: { command: 'envoy' } } } });
  });

  it.each([
    ['a missing comma, where the next member begins', '{\n  "daemons": {\n    "web": { "command": "envoy" }\n    "api": {}\n  }\n}\n', "line 4, column 5: Expected ',' or '}' after property value"],
    ['a trailing comma, at the brace after it', '{\n  "daemons": {\n    "web": { "command": "sleep", }\n  }\n}\n', 'line 3, column 34: Expected double-quoted property name'],
    ['a value left out, at what came instead', '{ "a": }', "line 1, column 8: Unexpected token '}'"],
    ['a stray token on a later line', '[\n  1,\n  ]', "line 3, column 3: Unexpected token ']'"],
    ['a cut-off word, at the letter that breaks it', '{ "a": tx }', "line 1, column 9: Unexpected token 'x'"],
    ['a text cut short, after its last character', '{ "daemons": ', 'line 1, column 14: Unexpected end of JSON input'],
    ['an empty text', '', 'line 1, column 1: Unexpected end of JSON input'],
    ['text after the value', '{}\n{}', 'line 2, column 1: Unexpected non-whitespace character after JSON'],
  ])('says where JSON breaks, by line and column, in V8’s words: %s', (_, text, where) => {
    expect(parseJson(text)).toEqual({ _tag: 'Left', left: `invalid JSON at ${where}` });
  });

  it('never quotes the text back, however long it is around the token', () => {
    const text = `[${'1,'.repeat(100)}x${',1'.repeat(100)}]`;
    expect(parseJson(text)).toEqual({ _tag: 'Left', left: "invalid JSON at line 1, column 202: Unexpected token 'x'" });
  });

  it('places an error however deep it is nested', () => {
    expect(parseJson('['.repeat(200_000))).toEqual({ _tag: 'Left', left: 'invalid JSON at line 1, column 200001: Unexpected end of JSON input' });
    expect(parseJson(`${'{"a":'.repeat(50_000)}}`)).toEqual({ _tag: 'Left', left: "invalid JSON at line 1, column 250001: Unexpected token '}'" });
  });
});
