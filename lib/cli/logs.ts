import { map, merge, type Observable } from 'rxjs';
import { DEFAULT_LOG_LINES } from '../manager/control-protocol.js';
import { DataDir } from '../manager/data-dir.js';
import { lines$ } from '../output/lines.js';
import type { OutputStream } from '../output/output-lines.js';
import { seenRotations } from '../fs/seen-rotations.js';
import { parse } from './args.js';
import { dataDirOf } from './data-dir.js';
import { formatLogLine, idWidthOf, wantsColour, type ShownLine } from './format.js';
import { logHistory, type LogStart } from './log-history.js';
import { logTargets, type LogTarget } from './log-targets.js';
import { EXIT, UsageError, writeErr, writeOut } from './output.js';

const OPTIONS = {
  'data-dir': { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  lines: { type: 'string', short: 'n' },
  stdout: { type: 'boolean' },
  stderr: { type: 'boolean' },
} as const;

const countOf = (value: string | undefined): number => {
  if (value === undefined) return DEFAULT_LOG_LINES;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`-n takes a number of lines, got '${value}'`);
  return Number(value);
};

const streamsOf = (values: { readonly stdout?: boolean; readonly stderr?: boolean }): readonly OutputStream[] => {
  if (values.stdout === true && values.stderr === true) throw new UsageError('--stdout and --stderr each pick one stream; give neither for both');
  return values.stdout === true ? ['stdout'] : values.stderr === true ? ['stderr'] : ['stdout', 'stderr'];
};

/**
 * Every line written to the logs from where their history ended, as the
 * lines are read: each log is looked at every 200 ms, following its
 * rotations (a manager's copy to `.1`, see {@link seenRotations}), its
 * truncation and its replacement; a log not there yet is waited for. It
 * never ends: not at a restart of a service, nor at the manager's end (the
 * files are the daemons', and a new manager's daemons write on to them).
 */
const followed$ = (starts: readonly LogStart[]): Observable<ShownLine> => {
  const source = seenRotations();
  return merge(...starts.map(({ id, stream, path, from }) => lines$(path, { from, source }).pipe(map((text) => ({ id, stream, text })))));
};

/** What a named service with nothing in its logs is told: that it has written nothing yet, rather than nothing at all. */
const emptyNotes = (ids: readonly string[], targets: readonly LogTarget[], empty: readonly LogTarget[]): string[] =>
  ids.flatMap((id) => {
    const own = targets.filter((target) => target.id === id);
    if (own.length === 0 || !own.every((target) => empty.includes(target))) return [];
    return [`${id} has written nothing to its ${own.map(({ stream }) => stream).join(' or ')} yet (${own.map(({ path }) => path).join(', ')})`];
  });

/**
 * `rxdaemon logs [id...] [-f] [-n N] [--stdout|--stderr] [--data-dir DIR]`:
 * the last N lines (default 20) of the logs of the services named (every
 * configured one when none is), stdout and stderr merged, N counted over
 * all of them (see {@link logHistory} for their order); then, with `-f`,
 * every new line as it is read, until interrupted (Ctrl-C), across
 * restarts, rotations and the manager's end. Each line begins with its
 * service's id, padded so the lines align, and a mark of its stream (`|`
 * stdout, `!` stderr), unless one log alone is asked for (one id and
 * `--stdout` or `--stderr`): then the lines are as written. Works with or
 * without a running manager (which knows where a service with a file of
 * its own writes). Exit 1 when a log cannot be shown (the others still
 * are), 2 for bad usage.
 */
export const logs = async (args: readonly string[]): Promise<number> => {
  const { values, positionals } = parse(args, OPTIONS, true);
  const ids = [...new Set(positionals)];
  const streams = streamsOf(values);
  const count = countOf(values.lines);
  const follow = values.follow === true;
  const dataDir = new DataDir(dataDirOf(values['data-dir']));
  const { targets, problems } = await logTargets(dataDir, ids, streams);
  const history = logHistory(targets, count, follow);
  const refused = [...problems, ...history.problems];
  for (const problem of refused) writeErr(`rxdaemon: ${problem}\n`);
  for (const note of emptyNotes(ids, targets, history.empty)) writeErr(`rxdaemon: ${note}\n`);
  if (targets.length === 0 && refused.length === 0) writeErr(`rxdaemon: no service has a log in ${dataDir.root} yet\n`);
  const raw = ids.length === 1 && streams.length === 1;
  const style = { colour: wantsColour(process.stdout), idWidth: idWidthOf(targets.map(({ id }) => id)) };
  const show = (line: ShownLine): void => {
    writeOut(`${raw ? line.text : formatLogLine(line, style)}\n`);
  };
  for (const line of history.lines) show(line);
  // Followed until interrupted: the lines never complete.
  if (follow && history.starts.length > 0) await new Promise<never>(() => followed$(history.starts).subscribe(show));
  return refused.length === 0 ? EXIT.ok : EXIT.failure;
};
