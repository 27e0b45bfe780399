import { readFileSync } from 'node:fs';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { errorFields } from '../events.js';
import type { DesiredSet } from '../manager/manage.js';
import { commandFields, Text } from '../snapshot/codec.js';
import { reportDecodeErrors } from '../snapshot/decode-errors.js';
import { parseJson } from './json.js';
import { strictObject } from './strict-codec.js';

// The fields of a command are checked by the very codecs a snapshot uses
// (and `checkCommand` too), so a config that is accepted can always be run,
// recorded and restored. The token is never recorded, but it is a
// variable's value in the child.
const Service = strictObject(
  'a daemon: { command, args?, cwd?, env?, token? }',
  { command: commandFields.command },
  { args: commandFields.args, cwd: commandFields.cwd, env: commandFields.env, token: Text },
);

/** The config file of `rxdaemon manage`: `{ "daemons": { "<id>": Command } }`; any other field is an error. */
export const Config = strictObject('a config: { "daemons": { "<id>": { "command": … } } }', { daemons: t.record(t.string, Service) }, {});

/**
 * Why a config cannot be used. `incomplete`: the file is missing or not
 * whole JSON, as a file being saved can be for a moment; worth reading
 * again shortly before saying so.
 */
export interface ConfigError {
  readonly message: string;
  readonly incomplete: boolean;
}

// The user's file, not one rxdaemon owns: a symlink is followed, as a
// Kubernetes ConfigMap's `config.json -> ..data/config.json` needs.
const readText = (path: string): Either<ConfigError, string> => {
  try {
    return right(readFileSync(path, 'utf8'));
  } catch (error) {
    const { code, message } = errorFields(error);
    // Between an editor's rename of the old file and of the new one, there may be none.
    // Node's "ENOENT: no such file or directory, open '…'": the reason alone, the path is ours to say.
    const reason = /^[A-Z]+: (.*?), \w+ '/.exec(message)?.[1] ?? message;
    return left({ message: `cannot read the config ${path}: ${reason}`, incomplete: code === 'ENOENT' });
  }
};

/** Reads and decodes a config file; a Left says what is wrong: the line and column of a JSON error, the path of a bad or unknown field. */
export const readConfig = (path: string): Either<ConfigError, DesiredSet> => {
  const text = readText(path);
  if (isLeft(text)) return text;
  const json = parseJson(text.right);
  if (isLeft(json)) return left({ message: `${path}: ${json.left}`, incomplete: true });
  const decoded = Config.decode(json.right);
  if (isLeft(decoded)) return left({ message: `invalid config ${path}: ${reportDecodeErrors(decoded.left, '(the whole config)').message}`, incomplete: false });
  return right(decoded.right.daemons);
};
