import type { Command } from '../command.js';
import type { ResolvedOptions } from '../options.js';
import type { SpawnSpec } from '../process/spawn-spec.js';

/** The variable that carries a manager's scope (M8). */
export const SCOPE_VARIABLE = 'RXDAEMON_SCOPE';

/**
 * What the driver spawns for a command (S2). The child's environment is
 * the supervisor's, then the command's own, then the id, token and scope
 * variables. Those three are dropped from what the supervisor inherited:
 * an outer supervisor's must never leak into this child, where they would
 * make it pass for the outer one's.
 */
export const spawnSpecOf = (command: Command, options: ResolvedOptions): SpawnSpec => {
  const { envNames, scope, cgroup } = options;
  return {
    command: command.command,
    args: command.args ?? [],
    cwd: command.cwd,
    env: {
      ...command.env,
      ...(command.id === undefined ? {} : { [envNames.id]: command.id }),
      ...(command.token === undefined ? {} : { [envNames.token]: command.token }),
      ...(scope === undefined ? {} : { [SCOPE_VARIABLE]: scope }),
    },
    dropEnv: [envNames.id, envNames.token, SCOPE_VARIABLE],
    stdout: options.stdout,
    stderr: options.stderr,
    uid: options.uid,
    gid: options.gid,
    ...(cgroup === undefined ? {} : { cgroup }),
  };
};
