/** Where a child's stdout or stderr goes: never a pipe, which would kill it with SIGPIPE once the supervisor is gone. */
export type Stdio = 'ignore' | 'inherit' | { readonly file: string };

/** Everything a driver needs to start one process; options are already resolved. */
export interface SpawnSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  /** Added on top of the supervisor's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Removed from the inherited environment before `env` is added. */
  readonly dropEnv: readonly string[];
  readonly stdout: Stdio;
  readonly stderr: Stdio;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  /** The cgroup v2 directory the child joins before its program runs (Containment), so not even its first fork is outside. */
  readonly cgroup?: string;
}
