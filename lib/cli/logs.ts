import { lstatSync } from 'node:fs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { concat, concatMap, defer, EMPTY, map, merge, of, takeWhile, type Observable } from 'rxjs';
import { DEFAULT_LOG_LINES, type ControlAnswer } from '../manager/control-protocol.js';
import { DataDir } from '../manager/data-dir.js';
import { checkId } from '../manager/ids.js';
import { emptyLogNote, logLines } from '../manager/log-lines.js';
import { parse } from './args.js';
import { ask$, type Unreachable } from './control-client.js';
import { dataDirOf } from './data-dir.js';
import { paint, wantsColour, type Colour } from './format.js';
import { EXIT, UsageError, writeErr, writeOut } from './output.js';

const OPTIONS = {
  'data-dir': { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  lines: { type: 'string', short: 'n' },
  stderr: { type: 'boolean' },
} as const;

/** What `logs` shows of each id. */
interface Wanted {
  readonly stream: 'stdout' | 'stderr';
  readonly lines: number;
  readonly follow: boolean;
}

const PREFIX_COLOURS: readonly Colour[] = ['cyan', 'magenta', 'green', 'yellow', 'blue'];

/**
 * What `logs` shows of a log: a line of it (on stdout), a note on it (on
 * stderr: that it is empty), or why it cannot be shown (on stderr; the last
 * of that log, and exit 1).
 */
type Said = { readonly line: string } | { readonly note: string } | { readonly problem: string };

const MANAGER_ENDED: Said = { problem: 'the manager ended; no more lines' };

/** A note on the log, if it is empty, then its lines. */
const noted$ = (note: string | undefined, lines$: Observable<string>): Observable<Said> =>
  concat(note === undefined ? EMPTY : of({ note }), lines$.pipe(map((line) => ({ line }))));

/** A log read from the data dir's files, when no manager can be asked: only there, so a missing file is a likely typo, said. */
const fromFiles$ = (dataDir: DataDir, id: string, wanted: Wanted): Observable<Said> =>
  defer(() => {
    const valid = checkId(id);
    if (isLeft(valid)) return of({ problem: valid.left });
    const path = dataDir[wanted.stream](id);
    if (lstatSync(path, { throwIfNoEntry: false }) === undefined) return of({ problem: `there is no ${path}: is the id right, and did a manager of ${dataDir.root} run it?` });
    const log = logLines(path, wanted);
    return isLeft(log) ? of({ problem: log.left }) : noted$(emptyLogNote(id, wanted.stream, path), log.right);
  });

/** What an answer of the manager says of a log; with no manager to ask, the log read from the files. */
const saidOf$ = (answer: ControlAnswer | Unreachable, files$: Observable<Said>): Observable<Said> => {
  switch (answer.type) {
    case 'line':
      return of({ line: answer.text });
    case 'note':
      return of({ note: answer.message });
    case 'error':
      return of({ problem: answer.message });
    case 'unreachable':
      return answer.code === 'ENOMANAGER' ? files$ : of({ problem: answer.message });
    default:
      return of({ problem: `the manager answered ${answer.type} to a logs request` });
  }
};

/**
 * One id's log: asked of the running manager (which knows where a service
 * with its own output file writes), else read from the data dir's files.
 * Following through the manager ends when the manager does, once its
 * last lines are shown, saying so. A problem is the last thing said.
 */
const logOf$ = (dataDir: DataDir, id: string, wanted: Wanted): Observable<Said> => {
  const asked$ = ask$(dataDir.controlPath, { type: 'logs', id, ...wanted }).pipe(
    takeWhile((answer) => answer.type !== 'end'),
    concatMap((answer) => saidOf$(answer, fromFiles$(dataDir, id, wanted))),
  );
  // Read from the files, a followed log never ends: only the manager's end is said.
  return concat(asked$, wanted.follow ? of(MANAGER_ENDED) : EMPTY).pipe(takeWhile((said) => !('problem' in said), true));
};

const countOf = (value: string | undefined): number => {
  if (value === undefined) return DEFAULT_LOG_LINES;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`-n takes a number of lines, got '${value}'`);
  return Number(value);
};

/**
 * `rxdaemon logs <id>... [-f] [-n N] [--stderr] [--data-dir DIR]`: the last
 * N lines (default 20) of each id's stdout (or stderr) log, then, with
 * `-f`, every new line as it is written, until interrupted. With more than
 * one id, each line begins with its id, padded so the lines align (and the
 * logs of ids are shown one after the other, or, when following,
 * interleaved as written). A log its service has written nothing to is
 * said to be so, on stderr. Works with or without a running manager. Exit 1
 * when a log cannot be shown (the others still are); 2 without an id.
 */
export const logs = async (args: readonly string[]): Promise<number> => {
  const { values, positionals } = parse(args, OPTIONS, true);
  const ids = [...new Set(positionals)];
  if (ids.length === 0) throw new UsageError('logs takes one id or more: rxdaemon logs <id>... [-f] [-n N] [--stderr]');
  const wanted: Wanted = { stream: values.stderr === true ? 'stderr' : 'stdout', lines: countOf(values.lines), follow: values.follow === true };
  const dataDir = new DataDir(dataDirOf(values['data-dir']));
  const width = Math.max(...ids.map((id) => id.length));
  const colour = wantsColour(process.stdout);
  let code: number = EXIT.ok;
  const logs$ = ids.map((id, i) => {
    const prefix = ids.length === 1 ? '' : `${paint(id.padEnd(width), PREFIX_COLOURS[i % PREFIX_COLOURS.length] ?? 'cyan', colour)} | `;
    return logOf$(dataDir, id, wanted).pipe(
      map((said): Said => ('line' in said ? { line: `${prefix}${said.line}\n` } : 'problem' in said ? { problem: `${ids.length === 1 ? '' : `${id}: `}${said.problem}` } : said)),
    );
  });
  await new Promise<void>((resolve) => {
    (wanted.follow ? merge(...logs$) : concat(...logs$)).subscribe({
      next: (said) => {
        if ('line' in said) writeOut(said.line);
        else if ('note' in said) writeErr(`rxdaemon: ${said.note}\n`);
        else {
          writeErr(`rxdaemon: ${said.problem}\n`);
          code = EXIT.failure;
        }
      },
      complete: resolve,
    });
  });
  return code;
};
