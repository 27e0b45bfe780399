import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ask$ } from '../../lib/cli/control-client.js';

let dir: string;
let server: Server | undefined;
const connections = new Set<Socket>();
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxdaemon-ask-'));
});
afterEach(async () => {
  for (const socket of connections) socket.destroy();
  connections.clear();
  await new Promise<void>((resolve) => {
    if (server === undefined) resolve();
    else {
      server.close(() => {
        resolve();
      });
    }
  });
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

// A manager's socket that answers each request with `lines`, then hangs up.
const answering = async (lines: string): Promise<string> => {
  const path = join(dir, 'control.sock');
  server = createServer((socket) => {
    connections.add(socket);
    socket.end(lines);
  });
  await new Promise<void>((resolve) => server?.listen(path, resolve));
  return path;
};

const answersOf = (path: string) => lastValueFrom(ask$(path, { type: 'status' }).pipe(toArray()));

describe('ask$: a manager that cannot be asked is a value, never an error of the stream', () => {
  it('no manager listens: the one value says so (ENOMANAGER), then it completes', async () => {
    const path = join(dir, 'control.sock');
    expect(await answersOf(path)).toEqual([{ type: 'unreachable', code: 'ENOMANAGER', message: `no manager runs here (nothing listens at ${path})` }]);
  });

  it('a socket path too long for a unix socket: said before any connection (ENAMETOOLONG)', async () => {
    const path = join(dir, 'x'.repeat(120));
    expect(await answersOf(path)).toEqual([{ type: 'unreachable', code: 'ENAMETOOLONG', message: expect.stringContaining('is too long for a unix socket') as string }]);
  });

  it('the answers, as they come; one that is no answer ends them (EPROTO)', async () => {
    const path = await answering('{"type":"note","message":"hello"}\n{"type":"bogus"}\n{"type":"end"}\n');
    expect(await answersOf(path)).toEqual([
      { type: 'note', message: 'hello' },
      { type: 'unreachable', code: 'EPROTO', message: expect.stringContaining('not an answer of this rxdaemon') as string },
    ]);
  });
});
