import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from './output.js';

/**
 * The data dir a command uses: `--data-dir`, else `$RXDAEMON_HOME`, else
 * `$XDG_STATE_HOME/rxdaemon`, else `~/.local/state/rxdaemon` (the XDG
 * default: state that outlives a restart, not worth a backup). As the XDG
 * spec says, an empty or relative `XDG_STATE_HOME` is ignored. An empty
 * `--data-dir` is a {@link UsageError}.
 *
 * @example
 * dataDirOf(undefined, { XDG_STATE_HOME: '/home/ada/.state' }); // '/home/ada/.state/rxdaemon'
 */
export const dataDirOf = (flag: string | undefined, env: NodeJS.ProcessEnv = process.env, home: () => string = homedir): string => {
  if (flag === '') throw new UsageError("--data-dir takes a directory, got ''");
  if (flag !== undefined) return flag;
  const own = env.RXDAEMON_HOME;
  if (own !== undefined && own !== '') return resolve(own);
  const state = env.XDG_STATE_HOME;
  if (state !== undefined && isAbsolute(state)) return join(state, 'rxdaemon');
  return join(home(), '.local', 'state', 'rxdaemon');
};
