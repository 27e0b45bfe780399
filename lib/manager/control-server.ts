import { chmodSync, lstatSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { catchError, concatMap, defer, Observable, of, Subject } from 'rxjs';
import { errorFields } from '../events.js';
import { kindOf } from '../fs/problem.js';
import { removeFileSafe } from '../fs/remove-file.js';
import { answerError, decodeRequest, LineBuffer, lineOf, MAX_SOCKET_PATH, type ControlAnswer, type ControlLine } from './control-protocol.js';
import type { ControlErrorEvent } from './events.js';

/*
 * M9: control.sock, the manager's door for `rxdaemon status`, `restart`,
 * `stop`, `start`, `shutdown` and `logs`.
 *
 * Who may knock: only the owner of the data dir. Node does not expose the
 * peer's credentials (SO_PEERCRED), so the uid of a client cannot be
 * checked; the file system is the guard instead, twice over. The data dir
 * is 0700, so no other user can reach the socket's name at all, and the
 * socket itself is 0600 from the instant it exists (connect(2) needs write
 * permission on it), so a data dir made more open by mistake still lets
 * nobody else in. Either way another user's connect fails with EACCES.
 * (root passes every permission check, as it could ptrace the manager anyway.)
 */

// A request is a short object; a client that sends more without a newline is not speaking the protocol.
const MAX_LINE = 64 * 1024;
// A client that does not read what it asked for (a `logs -f` of a flood) is let go rather than buffered without end.
const MAX_UNREAD = 8 * 1024 * 1024;

// How long a closing manager waits for a client to take its last answer.
const LINGER_MS = 1_000;

type Problem = ControlErrorEvent['error'];

/**
 * Makes way for the socket: nothing there, or a socket left by a manager
 * that died (the caller holds the data dir's lock, so no live manager
 * listens on it), which is removed. Anything else (a file, a symlink, a
 * directory) is left alone and refused: it is not ours to remove.
 */
const makeWay = (path: string): Either<Problem, void> => {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH) {
    return left({ code: 'ENAMETOOLONG', message: `${path} is ${bytes} bytes long, and a unix socket's path can be at most ${MAX_SOCKET_PATH}: use a shorter data dir` });
  }
  try {
    const found = lstatSync(path, { throwIfNoEntry: false });
    if (found === undefined) return right(undefined);
    if (!found.isSocket()) return left({ code: 'EEXIST', message: `${path} is ${kindOf(found)}, not a socket; it is left alone (remove it, then restart the manager)` });
    removeFileSafe(path);
    return right(undefined);
  } catch (error) {
    return left(errorFields(error));
  }
};

/**
 * Listens at `path` with a socket that is 0600 from the start: bind(2)
 * makes it with the mode the umask leaves of 0777, so the umask is
 * narrowed around the (synchronous) bind. The umask is the process's: a
 * file the thread pool creates at that very moment comes out 0600 too,
 * which is never more open than asked. A worker thread may not set the
 * umask; there the socket is chmodded right after the bind, and the 0700
 * data dir guards the moment in between.
 */
const listenPrivately = (server: Server, path: string): void => {
  let previous: number | undefined;
  try {
    previous = process.umask(0o177);
  } catch {
    // A worker thread: chmod below.
  }
  try {
    server.listen(path);
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
  if (previous === undefined && server.listening) chmodSync(path, 0o600);
};

/** The answers to one line: a request's, or an error saying why it is none. A bug in answering is the client's error line, never the manager's end. */
const answersTo = (line: string, answer: (request: ControlLine) => Observable<ControlAnswer>): Observable<ControlAnswer> => {
  const request = decodeRequest(line);
  if (isLeft(request)) return of(answerError('EPROTO', request.left));
  return defer(() => answer(request.right)).pipe(catchError((error: unknown) => of(answerError('EINTERNAL', errorFields(error).message))));
};

/**
 * One client: its lines are answered in order, each once the one before it
 * is done (a `logs` that follows is never done, and keeps the connection).
 * When the client has sent all it will (half-closed), the connection ends
 * after the last answer.
 */
const serveClient = (socket: Socket, answer: (request: ControlLine) => Observable<ControlAnswer>): void => {
  const lines = new Subject<string>();
  const write = (reply: ControlAnswer): void => {
    if (!socket.writable) return;
    socket.write(lineOf(reply));
    if (socket.writableLength > MAX_UNREAD) socket.destroy();
  };
  const answering = lines.pipe(concatMap((line) => answersTo(line, answer))).subscribe({
    next: write,
    complete: () => socket.end(),
  });
  const buffer = new LineBuffer();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    for (const line of buffer.push(chunk)) if (line.trim() !== '') lines.next(line);
    if (buffer.pendingLength > MAX_LINE) {
      write(answerError('EPROTO', `a request line longer than ${MAX_LINE} characters`));
      socket.end();
      answering.unsubscribe();
    }
  });
  socket.on('end', () => {
    lines.complete();
  });
  // A client gone mid-answer (EPIPE, ECONNRESET) ends only its own connection.
  socket.on('error', () => undefined);
  socket.on('close', () => {
    answering.unsubscribe();
  });
};

/**
 * M9: serves control.sock at `path` while subscribed: each line a client
 * writes is decoded (a malformed one is answered with an `error` line) and
 * answered by `answer`. Emits `control-error` when the socket cannot be
 * served (the manager runs on without it); never errs. Unsubscribing
 * closes the socket (its name is removed) and every connection.
 *
 * @example
 * controlServer$(dataDir.controlPath, answers.answer, () => Date.now()).subscribe((event) => console.warn(event.error.message));
 */
export const controlServer$ = (path: string, answer: (request: ControlLine) => Observable<ControlAnswer>, now: () => number): Observable<ControlErrorEvent> =>
  new Observable<ControlErrorEvent>((subscriber) => {
    const fail = (error: Problem): void => {
      subscriber.next({ type: 'control-error', at: now(), path, error });
    };
    const way = makeWay(path);
    if (isLeft(way)) {
      fail(way.left);
      return undefined;
    }
    const clients = new Set<Socket>();
    // node:net is loaded when a manager serves, not by import('rxdaemon') (P7: cold start).
    const server = process.getBuiltinModule('node:net').createServer({ allowHalfOpen: true }, (socket) => {
      clients.add(socket);
      socket.once('close', () => clients.delete(socket));
      serveClient(socket, answer);
    });
    server.on('error', (error) => {
      fail({ ...errorFields(error), message: `cannot listen at ${path}: ${errorFields(error).message}` });
    });
    try {
      listenPrivately(server, path);
    } catch (error) {
      fail({ ...errorFields(error), message: `cannot listen at ${path}: ${errorFields(error).message}` });
    }
    return () => {
      server.close();
      // Each client gets what was written to it (the answer "the manager ended", say), then the connection ends.
      for (const socket of clients) {
        socket.end(() => socket.destroy());
        setTimeout(() => socket.destroy(), LINGER_MS).unref();
      }
    };
  });
