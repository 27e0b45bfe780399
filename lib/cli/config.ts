import { readFileSync } from 'node:fs';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { DesiredSet } from '../manager/manage.js';
import { reportDecodeErrors } from '../snapshot/decode-errors.js';

const CommandEntry = t.exact(
  t.intersection([
    t.type({ command: t.string }),
    t.partial({ args: t.array(t.string), cwd: t.string, env: t.record(t.string, t.string), token: t.string }),
  ]),
  'a command: { command, args?, cwd?, env?, token? }',
);

/** The config file of `rxdaemon manage`: `{ "daemons": { "<id>": Command } }`. */
export const Config = t.type({ daemons: t.record(t.string, CommandEntry) }, 'a config: { "daemons": { "<id>": { "command": … } } }');

/** Reads and decodes a config file; a Left says what is wrong, naming the field. */
export const readConfig = (path: string): Either<string, DesiredSet> => {
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return left(`cannot read the config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const decoded = Config.decode(input);
  if (decoded._tag === 'Left') return left(`invalid config ${path}: ${reportDecodeErrors(decoded.left, '(the whole config)').message}`);
  return right(decoded.right.daemons);
};
