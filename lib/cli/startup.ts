import { realpathSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from './args.js';
import { dataDirOf } from './data-dir.js';
import { EXIT, UsageError, writeErr, writeOut } from './output.js';
import { systemdUnit, unitPlacement } from './systemd-unit.js';

const OPTIONS = {
  user: { type: 'boolean' },
  config: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

/**
 * `rxdaemon startup systemd [--user] [--config FILE] [--data-dir DIR]`:
 * prints, on stdout, a unit that runs `rxdaemon manage` with this config and
 * data dir at boot (see {@link systemdUnit}); on stderr, where to save it and
 * how to enable it. The config and the data dir default as `manage`'s do,
 * and are made absolute here; the node binary and this very script are
 * those of the running command, the script through its symlinks.
 */
export const startup = (args: readonly string[]): number => {
  const { values, positionals } = parse(args, OPTIONS, true);
  const [system, ...rest] = positionals;
  if (system !== 'systemd' || rest.length > 0) throw new UsageError(`startup takes systemd, got '${positionals.join(' ')}'`);
  if (values.config === '') throw new UsageError("--config takes a file, got ''");
  const dataDir = resolve(dataDirOf(values['data-dir']));
  const scope = values.user === true ? 'user' : 'system';
  const user = userInfo().username;
  writeOut(
    systemdUnit({
      node: process.execPath,
      nodeOptions: process.execArgv,
      // Node made argv[1] absolute; the npm bin link resolves to the package's own file.
      script: realpathSync(process.argv[1] ?? ''),
      config: values.config === undefined ? join(dataDir, 'services.json') : resolve(values.config),
      dataDir,
      scope,
      user,
    }),
  );
  const xdg = process.env.XDG_CONFIG_HOME;
  const placement = unitPlacement({ scope, user, configHome: xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.config') });
  writeErr(`rxdaemon: save this unit as ${placement.path}, then:\n${placement.enable.map((line) => `  ${line}\n`).join('')}`);
  return EXIT.ok;
};
