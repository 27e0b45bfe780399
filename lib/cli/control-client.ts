import { connect } from 'node:net';
import { isLeft } from 'fp-ts/lib/Either.js';
import { Observable } from 'rxjs';
import { errnoOf } from '../errno.js';
import { errorFields } from '../events.js';
import { decodeAnswer, LineBuffer, lineOf, MAX_SOCKET_PATH, type ControlAnswer, type ControlLine } from '../manager/control-protocol.js';

/**
 * Why the manager could not be asked, in words: `code` ENOMANAGER when none
 * listens there (no socket, or a dead manager's), EACCES for another user's
 * data dir, ENAMETOOLONG for a socket path too long, EPROTO for an answer
 * that is not one, else the socket's errno.
 */
export interface Unreachable {
  readonly type: 'unreachable';
  readonly code: string;
  readonly message: string;
}

const unreachable = (code: string, message: string): Unreachable => ({ type: 'unreachable', code, message });

/** Why connecting to `path` failed, in words. */
const unreachableBy = (path: string, error: unknown): Unreachable => {
  const code = errnoOf(error) ?? 'ECONNECT';
  // No socket, or a dead manager's: nobody listens.
  if (code === 'ENOENT' || code === 'ECONNREFUSED') return unreachable('ENOMANAGER', `no manager runs here (nothing listens at ${path})`);
  if (code === 'EACCES') return unreachable(code, `cannot reach the manager at ${path}: permission denied (only the owner of its data dir may)`);
  return unreachable(code, `cannot reach the manager at ${path}: ${errorFields(error).message}`);
};

/**
 * Asks the manager listening at `path` (a data dir's control.sock): its
 * answers to `request`, as they come (one, or a log's lines). Completes
 * when the manager has said all it will and ended the connection. Where
 * the manager cannot be asked, or answers what is no answer, the last
 * value is an {@link Unreachable} saying why: not being able to ask is
 * what a command line meets every day (no manager runs), never an error
 * of the stream. Unsubscribing hangs up.
 *
 * @example
 * ask$(dataDir.controlPath, { type: 'restart', id: 'web' }).subscribe((answer) => console.log(answer.type));
 */
export const ask$ = (path: string, request: ControlLine): Observable<ControlAnswer | Unreachable> =>
  new Observable<ControlAnswer | Unreachable>((subscriber) => {
    const said = (last: Unreachable): void => {
      subscriber.next(last);
      subscriber.complete();
    };
    const bytes = Buffer.byteLength(path);
    if (bytes > MAX_SOCKET_PATH) {
      said(unreachable('ENAMETOOLONG', `cannot reach the manager at ${path}: ${bytes} bytes is too long for a unix socket's path (at most ${MAX_SOCKET_PATH})`));
      return undefined;
    }
    const socket = connect(path);
    const buffer = new LineBuffer();
    socket.setEncoding('utf8');
    // The request, then our side closed: the manager answers, then ends the connection (a followed log never does).
    socket.once('connect', () => socket.end(lineOf(request)));
    socket.on('data', (chunk: string) => {
      for (const line of buffer.push(chunk)) {
        if (subscriber.closed) return;
        if (line === '') continue;
        const answer = decodeAnswer(line);
        if (isLeft(answer)) {
          said(unreachable('EPROTO', answer.left));
          return;
        }
        subscriber.next(answer.right);
      }
    });
    socket.once('end', () => {
      subscriber.complete();
    });
    socket.once('error', (error) => {
      said(unreachableBy(path, error));
    });
    return () => {
      socket.destroy();
    };
  });
