import { connect } from 'node:net';
import { isLeft } from 'fp-ts/lib/Either.js';
import { Observable } from 'rxjs';
import { errorFields } from '../events.js';
import { decodeAnswer, LineBuffer, lineOf, MAX_SOCKET_PATH, type ControlAnswer, type ControlLine } from '../manager/control-protocol.js';
import { codedError } from '../errno.js';



/** Why the manager could not be reached, in words; ENOMANAGER when none listens there. */
const unreachable = (path: string, error: unknown): NodeJS.ErrnoException => {
  const { code, message } = errorFields(error);
  // No socket, or a dead manager's: nobody listens.
  if (code === 'ENOENT' || code === 'ECONNREFUSED') return codedError('ENOMANAGER', `no manager runs here (nothing listens at ${path})`);
  if (code === 'EACCES') return codedError(code, `cannot reach the manager at ${path}: permission denied (only the owner of its data dir may)`);
  return codedError(code, `cannot reach the manager at ${path}: ${message}`);
};

/**
 * Asks the manager listening at `path` (a data dir's control.sock): its
 * answers to `request`, as they come (one, or a log's lines). Completes
 * when the manager has said all it will and ended the connection. Errs
 * with an Error whose `code` is `ENOMANAGER` when no manager listens there
 * (no socket, or a dead manager's), `EACCES` for another user's data dir,
 * `EPROTO` for an answer that is not one; unsubscribing hangs up.
 *
 * @example
 * ask$(dataDir.controlPath, { type: 'restart', id: 'web' }).subscribe((answer) => console.log(answer.type));
 */
export const ask$ = (path: string, request: ControlLine): Observable<ControlAnswer> =>
  new Observable<ControlAnswer>((subscriber) => {
    const bytes = Buffer.byteLength(path);
    if (bytes > MAX_SOCKET_PATH) {
      subscriber.error(codedError('ENAMETOOLONG', `cannot reach the manager at ${path}: ${bytes} bytes is too long for a unix socket's path (at most ${MAX_SOCKET_PATH})`));
      return undefined;
    }
    const socket = connect(path);
    const buffer = new LineBuffer();
    socket.setEncoding('utf8');
    // The request, then our side closed: the manager answers, then ends the connection (a followed log never does).
    socket.once('connect', () => socket.end(lineOf(request)));
    socket.on('data', (chunk: string) => {
      for (const line of buffer.push(chunk)) {
        if (line === '') continue;
        const answer = decodeAnswer(line);
        if (isLeft(answer)) {
          subscriber.error(codedError('EPROTO', answer.left));
          return;
        }
        subscriber.next(answer.right);
      }
    });
    socket.once('end', () => {
      subscriber.complete();
    });
    socket.once('error', (error) => {
      subscriber.error(unreachable(path, error));
    });
    return () => {
      socket.destroy();
    };
  });
