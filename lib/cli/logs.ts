import { lstatSync } from 'node:fs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { catchError, concat, defer, EMPTY, map, merge, of, takeWhile, throwError, type Observable } from 'rxjs';
import { errorFields } from '../events.js';
import { DEFAULT_LOG_LINES, type ControlAnswer } from '../manager/control-protocol.js';
import { DataDir } from '../manager/data-dir.js';
import { checkId } from '../manager/ids.js';
import { emptyLogNote, logLines$ } from '../manager/log-lines.js';
import { parse } from './args.js';
import { ask$ } from './control-client.js';
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

/** What `logs` shows of a log: a line of it (on stdout), or a note on it (on stderr: that it is empty). */
type Said = { readonly line: string } | { readonly note: string };

const failed = (message: string): Error => new Error(message);

/** What the manager's answers say of a log: `end` ends them; an error answer is an error. */
const saidOfAnswer = (answer: ControlAnswer): Said => {
  if (answer.type === 'line') return { line: answer.text };
  if (answer.type === 'note') return { note: answer.message };
  throw failed(answer.type === 'error' ? answer.message : `the manager answered ${answer.type} to a logs request`);
};

/** A note on the log, if it is empty, then its lines. */
const noted$ = (note: string | undefined, lines$: Observable<string>): Observable<Said> =>
  concat(note === undefined ? EMPTY : of({ note }), lines$.pipe(map((line) => ({ line }))));

/** A log read from the data dir's files, when no manager can be asked: only there, so a missing file is a likely typo, said. */
const fromFiles$ = (dataDir: DataDir, id: string, wanted: Wanted): Observable<Said> =>
  defer(() => {
    const valid = checkId(id);
    if (isLeft(valid)) return throwError(() => failed(valid.left));
    const path = dataDir[wanted.stream](id);
    if (lstatSync(path, { throwIfNoEntry: false }) === undefined) {
      return throwError(() => failed(`there is no ${path}: is the id right, and did a manager of ${dataDir.root} run it?`));
    }
    return noted$(emptyLogNote(id, wanted.stream, path), logLines$(path, wanted));
  });

/**
 * One id's log: asked of the running manager (which knows where a service
 * with its own output file writes), else read from the data dir's files.
 * Following through the manager ends when the manager does, once its
 * last lines are shown, saying so.
 */
const logOf$ = (dataDir: DataDir, id: string, wanted: Wanted): Observable<Said> => {
  const asked$ = ask$(dataDir.controlPath, { type: 'logs', id, ...wanted }).pipe(
    takeWhile((answer) => answer.type !== 'end'),
    map(saidOfAnswer),
  );
  return (wanted.follow ? concat(asked$, throwError(() => failed('the manager ended; no more lines'))) : asked$).pipe(
    catchError((error: unknown) => (errorFields(error).code === 'ENOMANAGER' ? fromFiles$(dataDir, id, wanted) : throwError(() => error))),
  );
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
      map((said): Said => ('line' in said ? { line: `${prefix}${said.line}\n` } : said)),
      catchError((error: unknown) => {
        writeErr(`rxdaemon: ${ids.length === 1 ? '' : `${id}: `}${errorFields(error).message}\n`);
        code = EXIT.failure;
        return EMPTY;
      }),
    );
  });
  await new Promise<void>((resolve) => {
    (wanted.follow ? merge(...logs$) : concat(...logs$)).subscribe({
      next: (said) => {
        if ('line' in said) writeOut(said.line);
        else writeErr(`rxdaemon: ${said.note}\n`);
      },
      complete: resolve,
    });
  });
  return code;
};
