import { posix } from 'node:path';
import * as t from 'io-ts';
import { Duration, Flag, NonNegativeInteger, satisfying, SignalName } from '../validate.js';
import { commandFields } from '../command-fields.js';
import { TOKEN_HASH_PATTERN } from './token-hash.js';

// Linux's own limit: pid_max can be at most 2^22. A bigger pid cannot come from a real process.
const MAX_PID = 4_194_304;

interface PidBrand {
  readonly Pid: unique symbol;
}
/** A pid that names one process: an integer > 1 (0 is "my group", 1 is init, negatives are groups). */
export type Pid = t.Branded<number, PidBrand>;
/** Decodes a {@link Pid}. A string never is one: Node's `process.kill('', 0)` is kill(0, 0). */
export const Pid = satisfying(
  `an integer between 2 and ${MAX_PID}`,
  (input): input is Pid => typeof input === 'number' && Number.isInteger(input) && input > 1 && input <= MAX_PID,
);

const Digits = satisfying('a string of digits', (input): input is string => typeof input === 'string' && /^\d{1,20}$/.test(input));
const BootId = satisfying('a boot id', (input): input is string => typeof input === 'string' && /^[0-9a-zA-Z-]{1,64}$/.test(input));
const TokenHash = satisfying('a token hash (hmac-sha256:<salt>:<digest>)', (input): input is string => typeof input === 'string' && TOKEN_HASH_PATTERN.test(input));

/**
 * A cgroup's directory as a record names it: an absolute path with no `.`,
 * `..`, doubled or trailing slash, so that what it names is what it says
 * (whether it is one of the scope's, a manager checks before use).
 */
const CgroupDir = satisfying(
  'an absolute, normalized path of a cgroup',
  (input): input is string => typeof input === 'string' && input.length > 1 && input.startsWith('/') && posix.normalize(input) === input && !input.endsWith('/'),
);

/** Where a run's output begins in each output file, in bytes (`OutputOffsets`). */
const OutputOffsets = t.exact(t.partial({ stdout: NonNegativeInteger, stderr: NonNegativeInteger }), 'an object of byte offsets ({ stdout, stderr })');

/**
 * What a snapshot records of the run and its stop, each field optional (a
 * 0.2 snapshot has none): the attempt that spawned the process, where its
 * output begins in the output files, how it is stopped, and the cgroup it
 * runs in (Containment), so that a supervisor without the daemon's options
 * (a manager whose configuration no longer has it, `rxdaemon shutdown`
 * with no manager, run from another cgroup than the manager's) stops it as
 * its own supervisor would have.
 */
const runFields = {
  attempt: NonNegativeInteger,
  outputStart: OutputOffsets,
  // The very rules of the options (options.ts), so a value a daemon ran with is one a record can hold.
  stopSignal: SignalName,
  gracefulStopMs: Duration,
  killProcessGroup: Flag,
  cgroup: CgroupDir,
} as const;

/**
 * S7: what `Daemon.snapshot()` writes and `Daemon.restore()` reads, and the
 * single source of truth for its type. `startTime` and `bootId` are null
 * where the OS does not tell them; the pid alone is then all that identifies
 * the process. The token is never stored, only a salted hash of it. The
 * {@link runFields} are optional, so a snapshot written before them still
 * decodes.
 */
export const DaemonSnapshot = t.exact(
  t.intersection([
    t.type({
      version: t.literal(1),
      pid: Pid,
      startTime: t.union([Digits, t.null], 'a string of digits or null'),
      bootId: t.union([BootId, t.null], 'a boot id or null'),
      command: commandFields.command,
      args: commandFields.args,
      env: commandFields.env,
    }),
    t.partial({ cwd: commandFields.cwd, id: commandFields.id, tokenHash: TokenHash, ...runFields }),
  ]),
  'a snapshot object',
);

/** A decoded snapshot. */
export type DaemonSnapshot = t.TypeOf<typeof DaemonSnapshot>;
