import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { errorFields } from '../events.js';
import { reportDecodeErrors } from '../snapshot/decode-errors.js';
import { ControlOutcome } from './control-outcome.js';

/*
 * M9: the protocol of control.sock. JSON lines both ways: a client writes one
 * request a line; the manager answers each, in order, with one line (a
 * `logs` request: a `note` when the service wrote nothing to that log, a
 * stream of `line`s, then `end`: at once, or, when it follows, at the
 * manager's end, after the log's last lines; an `outputs` request: where
 * each configured service writes, for a client that reads the files
 * itself, as `rxdaemon logs` does). A line
 * that is not a request is answered with an `error` line, and the
 * connection stays usable.
 */

const Count = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'a non-negative integer');

/** What can be asked of one daemon (see `ControlRequest`). */
const ControlVerb = t.keyof({ restart: null, stop: null, start: null }, "'restart', 'stop' or 'start'");

// sun_path holds 108 bytes with its NUL. A longer path is cut short by libuv, silently: the socket would be made
// elsewhere, or a client would reach another one.
export const MAX_SOCKET_PATH = 107;

/** The lines a `logs` request gives when it says no `lines`: as `tail`. */
export const DEFAULT_LOG_LINES = 20;

/** Which output file of a daemon. */
const OutputName = t.keyof({ stdout: null, stderr: null }, "'stdout' or 'stderr'");

// Not exact: a field this manager does not know (from a newer client) is ignored, not an error.
const REQUESTS = {
  status: t.type({ type: t.literal('status') }, 'a status request'),
  metrics: t.type({ type: t.literal('metrics') }, 'a metrics request'),
  shutdown: t.type({ type: t.literal('shutdown') }, 'a shutdown request'),
  control: t.type({ type: ControlVerb, id: t.string }, 'a control request'),
  logs: t.intersection([t.type({ type: t.literal('logs'), id: t.string }), t.partial({ stream: OutputName, lines: Count, follow: t.boolean })], 'a logs request'),
  outputs: t.type({ type: t.literal('outputs') }, 'an outputs request'),
};

/**
 * A request line: `status`; `metrics` (Prometheus' text format); `restart`,
 * `stop` or `start` of an id; `logs` of an id (`stream` default stdout,
 * `lines` default 20, `follow` default false); `shutdown`: every daemon
 * stopped, the records emptied, and the manager ended (as
 * `Manager.kill()`); `outputs`, the files every configured service writes to.
 */
export const ControlLine = t.union([REQUESTS.status, REQUESTS.metrics, REQUESTS.shutdown, REQUESTS.control, REQUESTS.logs, REQUESTS.outputs]);
export type ControlLine = t.TypeOf<typeof ControlLine>;

/** How a daemon's last run ended. */
const LastExitReport = t.intersection([
  t.type({ code: t.union([t.number, t.null]), signal: t.union([t.string, t.null]), at: t.number }),
  t.partial({ reason: t.string }),
]);

const orNull = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

const UsageScope = t.keyof({ cgroup: null, leader: null });

/**
 * One configured service, as `rxdaemon status --json` prints it (DESIGN's
 * fields). Times are ms since the epoch; `cpuPercent` is of one core; what
 * is not known is null (no process; no manager to ask). `cause` says why
 * the state, other than running, is what it is (`DaemonState.cause`; from
 * the records, why a process is dead or unknown); null when there is none.
 */
export const DaemonReport = t.intersection([
  t.type({
    id: t.string,
    status: t.string,
    pid: orNull(t.number),
    since: orNull(t.number),
    uptimeMs: orNull(t.number),
    restarts: orNull(t.number),
    lastExit: orNull(LastExitReport),
    cpuPercent: orNull(t.number),
    rssBytes: orNull(t.number),
    cause: orNull(t.string),
  }),
  // Whose CPU and memory they are: 'cgroup' (the service's whole tree) or 'leader' (its process alone); an older manager tells neither.
  t.partial({ cpuScope: orNull(UsageScope), memoryScope: orNull(UsageScope) }),
]);
export type DaemonReport = t.TypeOf<typeof DaemonReport>;

/** Where one configured service writes: the file of each of its outputs that is kept in one (none is 'ignore'). */
export const ServiceOutputs = t.intersection([t.type({ id: t.string }), t.partial({ stdout: t.string, stderr: t.string })]);
export type ServiceOutputs = t.TypeOf<typeof ServiceOutputs>;

const ANSWERS = {
  // The manager's own pid, since when it runs (ms since the epoch) and the config it serves, then every daemon; an older manager tells no `since` or `config`.
  status: t.intersection([t.type({ type: t.literal('status'), pid: t.number, daemons: t.array(DaemonReport) }), t.partial({ since: t.number, config: t.string })]),
  metrics: t.type({ type: t.literal('metrics'), text: t.string }),
  // A shutdown's, once every daemon is gone and the manager has ended: its process (`pid`) exits next, unless it is an agent's.
  shutdown: t.type({ type: t.literal('shutdown'), pid: t.number }),
  // A control request's: its outcome, and the daemon's state then (its process, why it is not running).
  ok: t.intersection([t.type({ type: t.literal('ok'), outcome: ControlOutcome, status: t.string }), t.partial({ pid: t.number, cause: t.string })]),
  error: t.type({ type: t.literal('error'), code: t.string, message: t.string }),
  line: t.type({ type: t.literal('line'), text: t.string }),
  note: t.type({ type: t.literal('note'), message: t.string }),
  end: t.type({ type: t.literal('end') }),
  // In the order of the config.
  outputs: t.type({ type: t.literal('outputs'), daemons: t.array(ServiceOutputs) }),
};

/**
 * An answer line. `error.code`: EPROTO (not a request), EREFUSED, ESPAWN,
 * EENDED (the manager ended first), ENOLOG (no log to read). `note`: what
 * a person should know of a log besides its lines (that it is empty).
 */
export const ControlAnswer = t.union([ANSWERS.status, ANSWERS.metrics, ANSWERS.shutdown, ANSWERS.ok, ANSWERS.error, ANSWERS.line, ANSWERS.note, ANSWERS.end, ANSWERS.outputs]);
export type ControlAnswer = t.TypeOf<typeof ControlAnswer>;

/** An error answer. */
export const answerError = (code: string, message: string): ControlAnswer => ({ type: 'error', code, message });

const KNOWN = ['status', 'metrics', 'restart', 'stop', 'start', 'logs', 'shutdown', 'outputs'];

const parsed = (line: string, what: string): Either<string, unknown> => {
  try {
    return right(JSON.parse(line));
  } catch (error) {
    return left(`${what} is not JSON: ${errorFields(error).message}`);
  }
};

/**
 * Decodes one request line; Left says what is wrong with it, naming the
 * field, in words for whoever wrote it.
 *
 * @example
 * decodeRequest('{"type":"restart","id":"web"}'); // Right({ type: 'restart', id: 'web' })
 * decodeRequest('{"type":"reboot"}'); // Left("`type`: expected one of status, metrics, restart, stop, start, logs, shutdown, outputs, got 'reboot'")
 */
export const decodeRequest = (line: string): Either<string, ControlLine> => {
  const json = parsed(line, 'the request');
  if (isLeft(json)) return json;
  const type = t.type({ type: t.string }).is(json.right) ? json.right.type : undefined;
  const codec = type === 'status' || type === 'metrics' || type === 'shutdown' || type === 'logs' || type === 'outputs' ? REQUESTS[type] : ControlVerb.is(type) ? REQUESTS.control : undefined;
  if (type === undefined) return left(`expected an object with a \`type\` (${KNOWN.join(', ')})`);
  if (codec === undefined) return left(`\`type\`: expected one of ${KNOWN.join(', ')}, got ${JSON.stringify(type)}`);
  const decoded = codec.decode(json.right);
  return isLeft(decoded) ? left(reportDecodeErrors(decoded.left, '(the request)').message) : right(decoded.right);
};

/** Decodes one answer line (a client's side of the trust boundary); Left says what is wrong with it. */
export const decodeAnswer = (line: string): Either<string, ControlAnswer> => {
  const json = parsed(line, 'the answer');
  if (isLeft(json)) return json;
  const type = t.type({ type: t.string }).is(json.right) ? json.right.type : undefined;
  const codec = type !== undefined && Object.hasOwn(ANSWERS, type) ? ANSWERS[type as keyof typeof ANSWERS] : undefined;
  if (codec === undefined) return left(`not an answer of this rxdaemon: ${JSON.stringify(line.slice(0, 80))}`);
  const decoded = codec.decode(json.right);
  return isLeft(decoded) ? left(`not an answer of this rxdaemon: ${reportDecodeErrors(decoded.left, '(the answer)').message}`) : right(decoded.right);
};

/** A request or an answer as its line, newline included. */
export const lineOf = (message: ControlLine | ControlAnswer): string => `${JSON.stringify(message)}\n`;

/** Cuts the text of a connection into lines, keeping an unfinished last one for the next chunk (the text is decoded already, so no character is split). */
export class LineBuffer {
  #pending = '';

  /** The lines `chunk` finishes, in order. */
  push(chunk: string): string[] {
    const lines = (this.#pending + chunk).split('\n');
    this.#pending = lines.pop() ?? '';
    return lines;
  }

  /** How long the unfinished line is. */
  get pendingLength(): number {
    return this.#pending.length;
  }
}
